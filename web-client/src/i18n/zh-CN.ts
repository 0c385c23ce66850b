// 简体中文。Must have exactly the keys of en.ts, with the same placeholders.

import type { MessageKey } from './en';

export const zhCN = {
  'app.name': 'Consilium',
  'app.tagline': '医生团队实时协作平台',

  'language.label': '语言',

  'login.title': '登录',
  'login.username': '用户名',
  'login.password': '密码',
  'login.submit': '登录',
  'login.submitting': '正在登录…',
  'login.error.missingFields': '请输入用户名和密码。',
  'login.error.invalidCredentials': '用户名或密码错误。',
  'login.error.rateLimited': '登录尝试过于频繁，请稍等一分钟后再试。',
  'login.error.network': '无法连接服务器，请检查网络后重试。',
  'login.error.unexpected': '服务器出现问题，请稍后重试。',
  'login.sessionExpired': '登录已失效，请重新登录。',

  'shell.signOut': '退出登录',
  'shell.signedInAs': '当前用户：{name}',
  'shell.connectedAs': '已连接，当前用户：{name}',
  'shell.placeholder': '您的团队、病例和会话将显示在这里。',
} as const satisfies Record<MessageKey, string>;
