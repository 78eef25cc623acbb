/**
 * `createRelay`: opens the store, loads the identity and rooms, and wires the
 * HTTP server, the WebSocket endpoint at `/ws`, the handshake, the roster, the
 * voice signalling and the router together. The wiring is all this file does;
 * each concern lives in its own module.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import { CONTROL_PAGE_BYTES, MAX_CONTROL_FRAME_BYTES, Role } from '../proto/index.ts';
import { ChatService } from './chat/chat-service.ts';
import { ChatStore } from './chat/chat-store.ts';
import { checkChatFile, FileService, startTurnRefresh, turnCredentials, turnRefreshMs } from './files/index.ts';
import { AccessRecords, AddressLockout, AdminService, applyAdmission, createBootstrapInvite, decideAdmission, remoteAddress } from './access/index.ts';
import { createFrameHandler } from './connection/control-pipeline.ts';
import { TypedEmitter } from '../proto/typed-emitter.ts';
import { RelayError } from './errors.ts';
import type { RelayEvents } from './events.ts';
import { Handshake } from './access/handshake.ts';
import { startHeartbeat } from './connection/heartbeat.ts';
import { createHttpServer, listen, urlHost } from './connection/http-server.ts';
import { startLoadReport } from './voice/load-report.ts';
import { createStaticHandler } from './connection/http-static.ts';
import { createOpsHandler, writeAdminEndpoint } from './ops/index.ts';
import { relayOps } from './ops/relay-ops.ts';
import { loadOrCreateIdentity } from './access/identity.ts';
import { clusterHandle, joinCluster, readOrgKey, SharedState, TempSync } from './cluster/index.ts';
import type { Cluster } from './cluster/index.ts';
import { attachLogger } from './ops/log.ts';
import { resolveOptions } from './options.ts';
import type { RelayOptions } from './options.ts';
import { hashPassword } from './access/password.ts';
import { Presence } from './presence/presence.ts';
import { LossReports } from './voice/loss-reports.ts';
import { Roster } from './presence/roster.ts';
import { CloseCode, Session } from './connection/client-connection.ts';
import type { SessionHooks } from './connection/client-connection.ts';
import { DropStats } from './stats.ts';
import type { RelayStats } from './stats.ts';
import { Store } from './storage/store.ts';
import type { VoicePlane } from './voice/plane.ts';
import { VoiceSignalling } from './voice/signalling.ts';
import { startVoicePlane } from './voice/start-plane.ts';
import { SignaturePool, TreeService } from './tree/index.ts';
import { createPermissions, RoomInvites, RoomPasswords } from './perms/index.ts';
import { toHex } from '../proto/bytes.ts';
import { Visibility } from './visibility/visibility.ts';
import { attachTempRooms, DEFAULT_TEMP_LIMITS, randomTempVoiceId, TempRegistry } from './temp-rooms/index.ts';
import { readMembers } from '../crdt/index.ts';
import type { TlsManager } from './tls/index.ts';
import { WS_PATH } from './relay.ts';
import type { Relay } from './relay.ts';

/** Starts a relay. Rejects with `RelayError` on bad options, storage or listen failures. */
export async function createRelay(options: RelayOptions): Promise<Relay> {
  const opts = resolveOptions(options);
  const { clock, limits } = opts;
  const events: TypedEmitter<RelayEvents> = new TypedEmitter<RelayEvents>((error, name) => {
    if (name !== 'internal-error') events.emit('internal-error', { where: `listener of ${String(name)}`, error });
  });
  const detachLogger = opts.logger ? attachLogger(events, opts.logger, clock) : () => {};
  const store = await Store.open(opts.dataDir, (error) => events.emit('internal-error', { where: 'store write', error }));
  const verifier = new SignaturePool({ size: options.signatureThreads });
  let plane: VoicePlane | undefined;
  let tls: TlsManager | undefined;
  let cluster: Cluster | undefined;
  let tempSync: TempSync | undefined;

  try {
    if (opts.tls) {
      // Loaded only with TLS: the certificate libraries cost a plain-HTTP relay start-up time for nothing.
      const { createTlsManager } = await import('./tls/index.ts');
      tls = await createTlsManager(opts.tls, { clock, logger: opts.logger, dataDir: opts.dataDir, host: opts.host });
    }
    // In a cluster every relay is the organisation: one key, read from the same file (relay/cluster/org-key.ts).
    const identity = opts.cluster?.keyFile ? await readOrgKey(opts.cluster.keyFile) : await loadOrCreateIdentity(store);
    if (opts.cluster) cluster = await joinCluster(opts.cluster, events);
    const passwordHash = opts.password === undefined ? undefined : await hashPassword(opts.password);

    const records = await AccessRecords.open(store);
    const shared = cluster ? await SharedState.open(cluster, store, events, { records, relayPublicKey: identity.publicKey, guests: opts.guests, clock, users: store }) : undefined;
    const roomPasswords = await RoomPasswords.open(store);
    // Where each key is now, for signed ops' Where conditions: set once the permission service exists.
    let roomOfKey: (keyHex: string) => string | null = () => null;
    const tree = await TreeService.open({
      store,
      events,
      clock,
      relayKey: identity.publicKey,
      serverName: opts.serverName,
      limits,
      verifier,
      pageBytes: CONTROL_PAGE_BYTES,
      ...(cluster ? { replication: cluster } : {}),
      actorOf: (keyHex) => {
        const role = records.role(keyHex)?.role ?? (store.user(keyHex) ? 'guest' : null);
        return role ? { keyHex, role, roomId: roomOfKey(keyHex), passwordGroups: roomPasswords.grantsOf(keyHex) } : null;
      },
    });
    const bootstrapInvite = records.adminCount() === 0 ? createBootstrapInvite(identity, clock.now()) : undefined;
    const lockout = new AddressLockout(clock, opts.lockout);
    const stats = new DropStats(events);
    const presence = new Presence(tree.rooms);
    // Late-bound: the visibility classes follow the tree service's documents, which come after the roster.
    const docs: { tree?: TreeService } = {};
    // Temporary rooms live only in memory (relay/temp-rooms/; in a cluster also in a memory KV bucket, D135): a restart starts with none.
    tempSync = cluster ? await TempSync.open(cluster, (error) => events.emit('internal-error', { where: 'cluster temp rooms', error })) : undefined;
    const tempRegistry = new TempRegistry(DEFAULT_TEMP_LIMITS, () => `tmp-${randomBytes(8).toString('hex')}`, cluster ? randomTempVoiceId : undefined);
    const visibility = new Visibility({
      visibleAs: (roomId) => tempRegistry.resolve(roomId),
      memberOf: (s) => (s.sessionId === undefined ? undefined : presence.member(s.sessionId)),
      members: () => readMembers(docs.tree!.members.doc),
      fullEpochs: () => [docs.tree!.epoch, docs.tree!.members.epoch],
      membersCompactAfterDeletes: limits.membersCompactAfterDeletes,
      // Token groups (room passwords, room invites) can make a room visible.
      passwordGroupsOf: (s) => {
        const m = s.sessionId === undefined ? undefined : presence.member(s.sessionId);
        return m ? roomPasswords.grantsOf(toHex(m.publicKey)) : undefined;
      },
    });
    const sees = (s: Session, roomId: string): boolean => visibility.sees(s, roomId);
    const joined = cluster;
    const turn = opts.turn;
    const turnFor = turn ? (keyHex: string) => turnCredentials(turn, keyHex, clock.now()) : undefined;
    const roster = new Roster({ presence, store, stats, events, clock, pageBytes: CONTROL_PAGE_BYTES, sees, storedRoomOf: (roomId) => tempRegistry.resolve(roomId), ...(turnFor ? { turnFor } : {}), ...(joined ? { relayUrls: () => joined.relayUrls() } : {}) });
    const perms = createPermissions({
      passwords: roomPasswords,
      presence,
      roster,
      events,
      lockout,
      stats,
      initialRooms: tree.rooms,
      extraRooms: () => tempRegistry.all().map((r) => tempRegistry.record(r)),
      invites: await RoomInvites.open(store),
      relayPublicKey: identity.publicKey,
      now: () => clock.now(),
      roleOfKey: (keyHex) => {
        const stored = records.role(keyHex)?.role;
        return stored === 'admin' ? Role.ADMIN : stored === 'member' ? Role.MEMBER : store.user(keyHex) ? Role.GUEST : null;
      },
      ...(shared ? { shared: shared.tokenHooks } : {}),
    });
    roomOfKey = (keyHex) => perms.service.roomOfKey(keyHex);
    const chat = new ChatService({
      store: await ChatStore.open(store.sublevel('chat')),
      presence,
      sessions: () => roster.sessions(),
      relayKey: identity.publicKey,
      clock,
      limits: opts.chat,
      // Per-room permissions decide room chat unless the embedder brings its own policy (a temporary room's: its inherited rules).
      policy: opts.chatPolicy ?? perms.chatPolicy,
      // A temporary room is never stored, nor is its chat (D108): delivered live to the people in it, then gone.
      liveOnly: (roomId) => tempRegistry.has(roomId),
      explain: opts.chatPolicy ? undefined : perms.chatExplain,
      stats,
      events,
      displayNameOf: (hex) => store.user(hex)?.displayName,
      pageBytes: CONTROL_PAGE_BYTES,
      sees,
      checkItem: (item) => checkChatFile(item, identity.publicKey, opts.files),
      ...shared?.chatHooks,
    });
    await chat.pruneAll();
    const files = new FileService({
      relayKey: identity.publicKey,
      clock,
      limits: opts.files,
      chatPolicy: opts.chatPolicy ?? perms.chatPolicy,
      filePolicy: opts.filePolicy ?? perms.filePolicy,
      memberOf: (session) => roster.member(session),
      sessionById: (id) => roster.sessionById(id),
      sees,
    });

    const rooms = (docs.tree = tree.attach(presence, roster, stats, visibility));
    const tempRooms = attachTempRooms({ registry: tempRegistry, presence, roster, perms: perms.service, stats, sees, events, gone: (roomId) => chat.forgetLive(roomId), ...(tempSync ? { shared: tempSync } : {}) });
    // A temporary room is not in the tree: its join is RoomEntry's see/enter checks, then presence.
    perms.attachTree(rooms, (session, msg) => (tempRegistry.has(msg.roomId) ? roster.join(session, msg) : rooms.joinRoom(session, msg)));
    await cluster?.attach(rooms, roster, presence);
    await tempSync?.bind(tempRooms);
    events.on('grants-changed', () => rooms.refreshVisibility());
    events.on('authenticated', (e) => rooms.memberMoved(e.sessionId, e.roomId));
    events.on('room-changed', (e) => rooms.memberMoved(e.sessionId, e.to));
    const signalling = new VoiceSignalling({
      stats,
      events,
      sessionById: (id) => roster.sessionById(id),
      onVoiceLost: (session) => session.close(CloseCode.VoiceLost, 'voice worker restarted'),
    });
    plane = await startVoicePlane({
      workers: opts.voiceWorkers, limits, rtc: opts.rtc, presence, output: signalling, stats, events, clock,
      ...(cluster ? { crossRelay: () => cluster!.attachVoice({ identity, rtc: opts.rtc, presence, clock }) } : {}),
    });
    signalling.bind(plane);
    // A role decides what someone may see: the visibility classes follow once it is applied to the sessions.
    const onRoleApplied = (): void => queueMicrotask(() => rooms.refreshVisibility());
    const admin = new AdminService({ relayPublicKey: identity.publicKey, records, directory: roster, clock, events, permit: perms.adminPermit, moveUser: perms.moveUser, onRoleApplied, ...shared?.adminHooks, ...(cluster?.moderation ? { remote: cluster.moderation } : {}) });
    await shared?.start(admin, chat, perms.tokens);
    const lossReports = new LossReports({ presence, sessionById: (id) => roster.sessionById(id), stats, clock });
    const handshake = new Handshake({
      relayPublicKey: identity.publicKey,
      serverName: opts.serverName,
      passwordHash,
      authTimeoutMs: limits.authTimeoutMs,
      stats,
      events,
      lockout,
      decide: (publicKey, invite) =>
        decideAdmission(publicKey, invite, { relayPublicKey: identity.publicKey, guests: opts.guests, records, now: clock.now() }),
      apply: (publicKey, admission, name) => (shared ? shared.applyAdmission(publicKey, admission, name) : applyAdmission(publicKey, admission, records, clock.now())),
      full: () => roster.size >= limits.maxSessions,
      admit: (session, who, admission) => {
        roster.admit(session, who, admission.role, admission.grant?.idHex);
        rooms.admitted(session);
        if (admission.grant) admin.pushState();
        else if (roster.member(session)?.role === Role.ADMIN) admin.sendState(session);
        chat.welcome(session);
      },
    });
    const onFrame = createFrameHandler({
      stats,
      events,
      handlers: {
        clientAuth: (session, msg) => handshake.clientAuth(session, msg),
        joinRoom: (session, msg) => perms.joinRoom(session, msg),
        crdtSync: (session, msg) => rooms.sync(session, msg),
        submitOps: (session, msg) => rooms.submit(session, msg),
        opHistoryRequest: (session, msg) => {
          rooms.history(session, msg).catch((error: unknown) => events.emit('internal-error', { where: 'op history', error }));
        },
        setSelfState: (session, msg) => roster.setSelfState(session, msg),
        rtcSignal: (session, msg) => signalling.handle(session, msg),
        setDisplayName: (session, msg) => roster.rename(session, msg),
        adminRequest: (session, msg) => admin.handle(session, msg),
        chatSend: (session, msg) => chat.send(session, msg),
        chatHistoryRequest: (session, msg) => chat.history(session, msg),
        receiverReport: (session, msg) => lossReports.handle(session, msg),
        setRoomPassword: (session, msg) => {
          perms.setRoomPassword(session, msg).catch((error: unknown) => events.emit('internal-error', { where: 'room password', error }));
        },
        redeemRoomInvite: (session, msg) => {
          perms.redeemRoomInvite(session, msg).catch((error: unknown) => events.emit('internal-error', { where: 'room invite', error }));
        },
        makeTempRoom: (session, msg) => tempRooms.make(session, msg),
        editTempRoom: (session, msg) => tempRooms.edit(session, msg),
        file: (session, msg) => files.handle(session, msg),
        fileRelayPieceExpected: (session, msg) => files.expectsPiece(session, msg),
      },
    });

    const connections = new Set<Session>();
    let nextConnId = 1;
    let closing: Promise<void> | undefined;

    // Set once close() begins: frames after that are not taken (the client keeps and resends them).
    let draining = false;
    const hooks: SessionHooks = {
      onFrame: (session, data, isBinary) => {
        if (!draining) onFrame(session, data, isBinary);
      },
      onSocketError(session, error) {
        // `ws` closes the socket itself after its protocol errors (1009 for size, 1002/1007 otherwise).
        // Plain socket errors (ECONNRESET...) are not drops: the close that follows says it all.
        if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') stats.frame('too-large', session.connId);
        else if (error.code?.startsWith('WS_ERR_')) stats.frame('ws-protocol', session.connId, error.code);
      },
      onClosed(session, code, reason) {
        connections.delete(session);
        handshake.sessionClosed(session);
        const sessionId = session.sessionId;
        rooms.sessionClosed(session);
        if (sessionId !== undefined) {
          rooms.memberMoved(sessionId, null);
          roster.leave(session);
          signalling.close(sessionId);
          files.sessionClosed(sessionId);
        }
        events.emit('connection-closed', { connId: session.connId, sessionId, code, reason });
      },
    };

    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CONTROL_FRAME_BYTES, perMessageDeflate: false });
    const tlsManager = tls;
    const relayStats = (): RelayStats => ({ ...stats.snapshot(plane?.workers()), files: files.stats() });
    const sessionCount = (): number => [...roster.sessions()].length;
    const metrics = { events, stats: relayStats, sessions: sessionCount, rooms: () => presence.rooms().length, cluster: joined && (() => joined.status()) };
    const ops = relayOps({ metrics, opts, tls: tlsManager, store, closing: () => closing !== undefined, workers: () => plane?.workers() ?? [], clock });
    const serve = createOpsHandler(ops, createStaticHandler(opts.staticDir));

    function onConnection(ws: WebSocket, req: IncomingMessage): void {
      const remote = remoteAddress(req, opts.trustProxy);
      const session = new Session(ws, { connId: nextConnId++, remoteAddress: remote, clock, limits, hooks, meter: stats.sendMeter });
      connections.add(session);
      events.emit('connection-opened', { connId: session.connId, remote });
      handshake.start(session);
    }

    const server = createHttpServer({
      limits,
      trustProxy: opts.trustProxy,
      tls: tlsManager,
      serve,
      wsPath: WS_PATH,
      closing: () => closing !== undefined,
      onUpgrade: (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, req)),
    });

    const port = await listen(server, opts.port, opts.host);
    try {
      await tls?.serverStarted(port);
    } catch (error) {
      // The HTTP-01 port could not be bound: the HTTPS server must not stay up half-configured.
      await new Promise<void>((resolve) => server.close(() => resolve()));
      throw RelayError.listen(`cannot start the ACME HTTP-01 server [reason:${error instanceof Error ? error.message : String(error)}]`, error);
    }
    const removeAdminEndpoint = await writeAdminEndpoint(opts.dataDir, {
      port,
      host: opts.host === '0.0.0.0' || opts.host === '' ? '127.0.0.1' : opts.host === '::' ? '::1' : opts.host,
      token: ops.backup.token,
      pid: process.pid,
    });
    const stopTurnRefresh = turn && turnFor ? startTurnRefresh({ roster, credentialsFor: turnFor, intervalMs: turnRefreshMs(turn), clock }) : () => {};
    const stopHeartbeat = startHeartbeat({ sessions: () => roster.sessions(), clock, limits });
    const stopLoadReport =
      opts.loadReportIntervalMs > 0
        ? startLoadReport({ intervalMs: opts.loadReportIntervalMs, stats: () => stats.snapshot(plane?.workers()), now: () => clock.now(), report: (load) => events.emit('voice-load', load) })
        : () => {};
    const url = `${tls ? 'https' : 'http'}://${urlHost(opts.host)}:${port}/`;
    const wsUrl = `${tls ? 'wss' : 'ws'}://${urlHost(opts.host)}:${port}${WS_PATH}`;

    async function shutdown(restart: boolean): Promise<void> {
      draining = true;
      stopHeartbeat();
      stopTurnRefresh();
      stopLoadReport();
      handshake.stop();
      // Acknowledge everything accepted while the sockets are still open to carry the answers.
      await rooms.drain();
      await chat.flush();
      const open = [...connections];
      for (const session of open) session.close(restart ? CloseCode.Restart : CloseCode.GoingAway, restart ? 'relay restarting' : 'relay shutting down');
      // Give peers a moment to answer the close frame, then cut the rest.
      let graceTimer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(open.map((s) => s.whenSocketClosed())),
        new Promise<void>((resolve) => {
          graceTimer = setTimeout(resolve, limits.closeGraceMs);
        }),
      ]);
      clearTimeout(graceTimer);
      for (const session of open) session.terminate();
      await plane?.close();
      await rooms.drain();
      await shared?.close();
      await tempSync?.close();
      await cluster?.close();
      await verifier.close();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await tls?.close();
      await chat.flush();
      await removeAdminEndpoint();
      await store.close();
      ops.metrics.close();
      detachLogger();
    }

    events.emit('listening', { url, port });
    return {
      url,
      wsUrl,
      port,
      publicKey: identity.publicKey,
      bootstrapInvite,
      stats: relayStats,
      voiceSettled: () => plane?.settled() ?? Promise.resolve(),
      tlsStatus: () => tlsManager?.status(),
      reloadTls: () => tlsManager?.reload() ?? Promise.resolve(false),
      on: (name, listener) => events.on(name, listener),
      off: (name, listener) => events.off(name, listener),
      close: (options) => (closing ??= shutdown(options?.restart === true)),
      cluster: cluster && shared ? clusterHandle(cluster, shared) : undefined,
    };
  } catch (error) {
    await tempSync?.close();
    await cluster?.close();
    await tls?.close();
    await plane?.close();
    await verifier.close();
    await store.close().catch(() => {});
    detachLogger();
    throw error;
  }
}
