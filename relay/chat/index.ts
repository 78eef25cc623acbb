/** Public surface of relay chat: the service, its store, limits and the permission hook. */
export { ChatService } from './chat-service.ts';
export type { ChatServiceDeps, ChatVerdict } from './chat-service.ts';
export type { ChatChange, ChatRefusal } from './chat-judge.ts';
export { ChatStore } from './chat-store.ts';
export type { IdEntry } from './chat-store.ts';
export { DEFAULT_CHAT_LIMITS, resolveChatLimits } from './chat-limits.ts';
export type { ChatLimits } from './chat-limits.ts';
export { authorizeChat } from './authorize.ts';
export type { ChatActor, ChatPermission, ChatPlace, ChatPolicy } from './authorize.ts';
export { directConversation, roomConversation } from './conversation.ts';
export type { Conversation } from './conversation.ts';
