// English strings. This dictionary defines the set of message keys: every other
// locale must translate each of them (checked by the compiler and by a test).
// Placeholders are `{name}`; their names are part of the key's type.

export const en = {
  'app.name': 'Consilium',
  'app.tagline': 'Realtime collaboration for doctor teams',

  'language.label': 'Language',

  'login.title': 'Sign in',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.submitting': 'Signing in…',
  'login.error.missingFields': 'Enter your username and password.',
  'login.error.invalidCredentials': 'Wrong username or password.',
  'login.error.rateLimited': 'Too many sign-in attempts. Please wait a minute and try again.',
  'login.error.network': 'Cannot reach the server. Check your connection and try again.',
  'login.error.unexpected': 'Something went wrong on our side. Please try again.',
  'login.sessionExpired': 'Your session has ended. Please sign in again.',

  'shell.signOut': 'Sign out',
  'shell.signedInAs': 'Signed in as {name}',
  'shell.connectedAs': 'Connected as {name}',
  'shell.placeholder': 'Your teams, cases and conversations will appear here.',
} as const;

export type MessageKey = keyof typeof en;
