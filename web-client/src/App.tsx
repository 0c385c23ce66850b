import { LoginPage } from './login/LoginPage';
import { useAuth } from './session';
import { Shell } from './shell/Shell';

export function App() {
  const { session, endedReason } = useAuth();
  return session === null ? (
    <LoginPage endedReason={endedReason} />
  ) : (
    <Shell key={session.user.id} session={session} />
  );
}
