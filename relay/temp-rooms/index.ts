/** Public surface of relay/temp-rooms/: temporary rooms, held in memory only (issue 15, D107). */
export { TempRegistry, DEFAULT_TEMP_LIMITS } from './temp-registry.ts';
export type { TempRoom, TempLimits } from './temp-registry.ts';
export { TempRoomService } from './temp-room-service.ts';
export type { TempRoomDeps } from './temp-room-service.ts';
export { attachTempRooms } from './attach.ts';
