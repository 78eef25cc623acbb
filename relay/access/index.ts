/** Access control: roles, bans, invites, the admission decision, lock-outs, admin requests and the admin CLI. */
export { AccessRecords, accessChangeJson, banActive, MAX_INVITE_RECORDS, parseAccessChange, storedRole, wireRole } from './records.ts';
export type { AccessChange, BanRecord, InviteRecord, RoleRecord, StoredRole } from './records.ts';
export { admissionChanges, applyAdmission, decideAdmission, guestsAllowed, verifyInvite } from './admission.ts';
export type { AccessRefusal, Admission, AdmissionContext, GuestPolicy } from './admission.ts';
export { AddressLockout, DEFAULT_LOCKOUT } from './lockout.ts';
export type { LockoutPolicy } from './lockout.ts';
export { AdminService, MAX_REASON_CHARS } from './admin.ts';
export type { AdminDeps, AdminDirectory } from './admin.ts';
export { createBootstrapInvite, BOOTSTRAP_INVITE_TTL_MS } from './bootstrap.ts';
export { normalizeAddress, remoteAddress } from './remote-address.ts';
export { AddressCounter, capConnections } from './connection-cap.ts';
export type { ConnectionCap } from './connection-cap.ts';
export { CLI_USAGE, isCliCommand, runAdminCli } from './cli.ts';
export type { CliIo } from './cli.ts';
