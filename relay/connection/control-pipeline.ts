/**
 * The control-frame pipeline: rate limit, decode, gate by handshake state,
 * dispatch. Every inbound WebSocket frame passes through `handleFrame`, which
 * never throws: bad input is counted, answered with an `error` where the
 * socket stays open, and closes the socket where the protocol says so.
 */
import { decodeEnvelope, ErrorCode } from '../../proto/index.ts';
import type { AdminRequest, FileAnnounce, FileBadChunk, FileRelayPiece, FileRelayWant, FileSignal, FileStop, FileWantPeers, ChatHistoryRequest, ChatSend, ClientAuth, CrdtSync, Envelope, JoinRoom, OpHistoryRequest, ReceiverReport, RtcSignal, SetDisplayName, SetRoomPassword, RedeemRoomInvite, MakeTempRoom, EditTempRoom, SetSelfState, SubmitOps } from '../../proto/index.ts';
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { Session } from './client-connection.ts';
import type { DropStats, FrameDropReason } from '../stats.ts';

/** What the pipeline hands validated, state-appropriate messages to. */
export interface ControlHandlers {
  /** Only called in `awaiting-auth`. */
  clientAuth(session: Session, msg: ClientAuth): void;
  /** The rest only for `authenticated` sessions. */
  joinRoom(session: Session, msg: JoinRoom): void;
  setSelfState(session: Session, msg: SetSelfState): void;
  rtcSignal(session: Session, msg: RtcSignal): void;
  setDisplayName(session: Session, msg: SetDisplayName): void;
  adminRequest(session: Session, msg: AdminRequest): void;
  chatSend(session: Session, msg: ChatSend): void;
  chatHistoryRequest(session: Session, msg: ChatHistoryRequest): void;
  receiverReport(session: Session, msg: ReceiverReport): void;

  /** Room tree (issue 4): document sync, signed ops, audit history. */
  crdtSync(session: Session, msg: CrdtSync): void;
  submitOps(session: Session, msg: SubmitOps): void;
  opHistoryRequest(session: Session, msg: OpHistoryRequest): void;

  /** Per-room permissions (issue 15). */
  setRoomPassword(session: Session, msg: SetRoomPassword): void;
  redeemRoomInvite(session: Session, msg: RedeemRoomInvite): void;
  makeTempRoom(session: Session, msg: MakeTempRoom): void;
  editTempRoom(session: Session, msg: EditTempRoom): void;
  /** Files (issue 16): every client->relay file message, to relay/files. */
  file(session: Session, msg: FileClientMessage): void;
  /**
   * True when `msg` is the next piece of a chunk the relay asked this session
   * to carry (fallback). Such a frame was already paid for from the
   * fallback's byte budget when it was asked for, so it does not take a
   * control-frame token: a holder streaming a chunk (8 frames per 256 KiB)
   * would otherwise be rate-limited and then disconnected.
   */
  fileRelayPieceExpected?(session: Session, msg: FileRelayPiece): boolean;
}

/** The client->relay file messages (Envelope 120-128 minus the relay-only ones). */
export type FileClientMessage =
  | { case: 'fileAnnounce'; value: FileAnnounce }
  | { case: 'fileWantPeers'; value: FileWantPeers }
  | { case: 'fileSignal'; value: FileSignal }
  | { case: 'fileRelayWant'; value: FileRelayWant }
  | { case: 'fileRelayPiece'; value: FileRelayPiece }
  | { case: 'fileStop'; value: FileStop }
  | { case: 'fileBadChunk'; value: FileBadChunk };

/** Dependencies of the frame handler. */
export interface ControlDeps {
  readonly handlers: ControlHandlers;
  readonly stats: DropStats;
  readonly events: TypedEmitter<RelayEvents>;
}

/** Messages only the relay sends; a client sending one is a bad request. */
const RELAY_ONLY = new Set<string>([
  'serverHello', 'authOk', 'error', 'userJoined', 'userLeft', 'userUpdated', 'voiceReady',
  'adminResult', 'adminState',
  'chatAck', 'chatEvent', 'chatHistory', 'chatSummary',
  'lossReport',
  'opResults', 'opHistory',
  'permsResult', 'myPermissions',
  'filePeers', 'fileError',
  'relayList', 'turnCredentials',
]);

/** First two bytes of an Envelope carrying a FileRelayPiece: field 126, length-delimited, as a varint tag. */
const PIECE_TAG = [(((126 << 3) | 2) & 0x7f) | 0x80, ((126 << 3) | 2) >> 7] as const;

/** Builds the per-frame entry point. */
export function createFrameHandler(deps: ControlDeps): (session: Session, data: Uint8Array, isBinary: boolean) => void {
  const { handlers, stats, events } = deps;

  /** Drop that counts towards the bad-frame limit; answers `code`, closes once over the limit. */
  function badFrame(session: Session, reason: FrameDropReason, code: ErrorCode, message: string): void {
    stats.frame(reason, session.connId, message);
    if (session.noteBadFrame()) {
      session.refuse(code, `${message}; too many bad frames`);
    } else {
      session.sendError(code, message);
    }
  }

  function beforeAuth(session: Session, what: string): void {
    stats.frame('before-auth', session.connId, what);
    session.refuse(ErrorCode.NOT_AUTHENTICATED, `${what} needs authentication`);
  }

  function dispatch(session: Session, env: Envelope & { msg: { case: string } }): void {
    const msg = env.msg;
    const authed = session.state === 'authenticated';
    switch (msg.case) {
      case 'ping':
        session.send({ case: 'pong', value: { nonce: msg.value.nonce } });
        return;
      case 'clientAuth':
        if (session.state !== 'awaiting-auth') {
          stats.frame('already-authenticated', session.connId);
          session.sendError(ErrorCode.ALREADY_AUTHENTICATED, 'this connection already used its nonce', 'client_auth');
          return;
        }
        handlers.clientAuth(session, msg.value);
        return;
      case 'pong':
        // Liveness was recorded when the frame arrived; nothing else to do.
        if (!authed) beforeAuth(session, 'pong');
        return;
      case 'joinRoom':
        if (authed) handlers.joinRoom(session, msg.value);
        else beforeAuth(session, 'join_room');
        return;
      case 'setSelfState':
        if (authed) handlers.setSelfState(session, msg.value);
        else beforeAuth(session, 'set_self_state');
        return;
      case 'rtcSignal':
        if (authed) handlers.rtcSignal(session, msg.value);
        else beforeAuth(session, 'rtc_signal');
        return;
      case 'setDisplayName':
        if (authed) handlers.setDisplayName(session, msg.value);
        else beforeAuth(session, 'set_display_name');
        return;
      case 'adminRequest':
        if (authed) handlers.adminRequest(session, msg.value);
        else beforeAuth(session, 'admin_request');
        return;
      case 'chatSend':
        if (authed) handlers.chatSend(session, msg.value);
        else beforeAuth(session, 'chat_send');
        return;
      case 'chatHistoryRequest':
        if (authed) handlers.chatHistoryRequest(session, msg.value);
        else beforeAuth(session, 'chat_history_request');
        return;
      case 'crdtSync':
        if (authed) handlers.crdtSync(session, msg.value);
        else beforeAuth(session, 'crdt_sync');
        return;
      case 'submitOps':
        if (authed) handlers.submitOps(session, msg.value);
        else beforeAuth(session, 'submit_ops');
        return;
      case 'opHistoryRequest':
        if (authed) handlers.opHistoryRequest(session, msg.value);
        else beforeAuth(session, 'op_history_request');
        return;
      case 'receiverReport':
        if (authed) handlers.receiverReport(session, msg.value);
        else beforeAuth(session, 'receiver_report');
        return;
      case 'setRoomPassword':
        if (authed) handlers.setRoomPassword(session, msg.value);
        else beforeAuth(session, 'set_room_password');
        return;
      case 'redeemRoomInvite':
        if (authed) handlers.redeemRoomInvite(session, msg.value);
        else beforeAuth(session, 'redeem_room_invite');
        return;
      case 'makeTempRoom':
        if (authed) handlers.makeTempRoom(session, msg.value);
        else beforeAuth(session, 'make_temp_room');
        return;
      case 'editTempRoom':
        if (authed) handlers.editTempRoom(session, msg.value);
        else beforeAuth(session, 'edit_temp_room');
        return;
      case 'fileAnnounce':
      case 'fileWantPeers':
      case 'fileSignal':
      case 'fileRelayWant':
      case 'fileRelayPiece':
      case 'fileStop':
      case 'fileBadChunk':
        if (authed) handlers.file(session, msg as FileClientMessage);
        else beforeAuth(session, msg.case);
        return;
      default:
        if (!authed) beforeAuth(session, msg.case);
        else if (RELAY_ONLY.has(msg.case)) badFrame(session, 'bad-request', ErrorCode.BAD_REQUEST, `${msg.case} is relay-only`);
        else badFrame(session, 'unknown-message', ErrorCode.UNKNOWN_MESSAGE, 'unknown message');
    }
  }

  /** The decoded frame if it is a relay piece the relay asked `session` for, else null (decoded only when its first bytes say so). */
  function expectedPiece(session: Session, data: Uint8Array): (Envelope & { msg: { case: string } }) | null {
    if (session.state !== 'authenticated' || !handlers.fileRelayPieceExpected || data[0] !== PIECE_TAG[0] || data[1] !== PIECE_TAG[1]) return null;
    const decoded = decodeEnvelope(data);
    if (!decoded.ok || decoded.value.msg.case !== 'fileRelayPiece') return null;
    return handlers.fileRelayPieceExpected(session, decoded.value.msg.value) ? decoded.value : null;
  }

  function handle(session: Session, data: Uint8Array, isBinary: boolean): void {
    if (session.state === 'closed') return;
    const piece = isBinary ? expectedPiece(session, data) : null;
    if (piece) return dispatch(session, piece);
    const token = session.takeFrameToken();
    if (token !== 'ok') {
      stats.frame('rate-limited', session.connId);
      // One error per streak: answering every dropped frame would amplify the flood.
      if (token === 'first-drop') session.sendError(ErrorCode.RATE_LIMITED, 'too many control frames');
      if (token === 'sustained') session.refuse(ErrorCode.RATE_LIMITED, 'too many control frames, sustained');
      return;
    }
    if (!isBinary) {
      badFrame(session, 'text-frame', ErrorCode.MALFORMED, 'text frames are not part of the protocol');
      return;
    }
    const decoded = decodeEnvelope(data);
    if (!decoded.ok) {
      switch (decoded.error.code) {
        case 'unknown-message':
          badFrame(session, 'unknown-message', ErrorCode.UNKNOWN_MESSAGE, 'unknown message');
          return;
        case 'too-large':
          stats.frame('too-large', session.connId);
          session.refuse(ErrorCode.TOO_LARGE, 'frame too large');
          return;
        default:
          badFrame(session, 'malformed', ErrorCode.MALFORMED, `undecodable frame (${decoded.error.code})`);
          return;
      }
    }
    dispatch(session, decoded.value);
  }

  return (session, data, isBinary) => {
    try {
      handle(session, data, isBinary);
    } catch (error) {
      // A handler bug must cost one frame, not the process.
      stats.frame('internal-error', session.connId);
      events.emit('internal-error', { where: 'frame handler', error });
      session.sendError(ErrorCode.INTERNAL, 'internal error');
    }
  };
}
