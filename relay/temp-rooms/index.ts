/** Public surface of relay/temp-rooms/: temporary rooms, held in memory only (issue 15). */
export { TempRegistry, DEFAULT_TEMP_LIMITS, TEMP_VOICE_BASE, tempRoomAcl } from './temp-registry.ts';
export type { TempRoom, TempRoomRecord, TempLimits } from './temp-registry.ts';
export { TempRoomService } from './temp-room-service.ts';
export type { TempRoomDeps } from './temp-room-service.ts';
export { attachTempRooms } from './attach.ts';
