/** Public surface of client chat: the client, its state slice, persistence adapters. */
export { ChatClient } from './chat-client.ts';
export type { ChatClientDeps, ChatCommand, ChatLink } from './chat-client.ts';
export { directKey, initialChatState, mentionsName, parseConversationKey, roomKey, unreadCount } from './chat-state.ts';
export type { ChatMessageView, ChatState, ConversationKey, ConversationView, PendingStatus, PendingView, RefusedChange, Verification } from './chat-state.ts';
export { memoryChatPersistence } from './persistence.ts';
export type { ChatPersistence, OutboxEntry } from './persistence.ts';
export { idbChatPersistence } from './idb-persistence.ts';
