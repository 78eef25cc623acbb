/** Public surface of relay/temp-rooms/: temporary rooms, held in memory only (issue 15, D107). */
export { TempRegistry, DEFAULT_TEMP_LIMITS, TEMP_VOICE_BASE, randomTempVoiceId } from './temp-registry.ts';
export type { TempRoom, TempLimits } from './temp-registry.ts';
export { TempRoomService } from './temp-room-service.ts';
export type { TempRoomDeps, TempShare } from './temp-room-service.ts';
export { attachTempRooms } from './attach.ts';
