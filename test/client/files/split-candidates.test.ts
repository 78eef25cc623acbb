/**
 * splitCandidates: the SDP minus its candidate lines, and the candidates
 * with the mid of their section (added after the description, see
 * peer-connection.ts). Property test over generated SDP-like lines.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitCandidates } from '../../../client/files/peer-connection.ts';

const plain = fc.stringMatching(/^[a-z]=[a-z0-9 :.-]{0,20}$/).filter((l) => !l.startsWith('a=candidate:') && !l.startsWith('a=mid:') && l !== 'a=end-of-candidates');
const line = fc.oneof(
  plain,
  fc.stringMatching(/^[0-9a-z]{1,4}$/).map((m) => `a=mid:${m}`),
  fc.stringMatching(/^[0-9]{1,5} 1 udp [0-9]{1,6} 127\.0\.0\.1 [0-9]{1,5} typ host$/).map((c) => `a=candidate:${c}`),
  fc.constant('a=end-of-candidates'),
);

describe('splitCandidates', () => {
  it('keeps every other line in order and takes each candidate with its section mid', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.boolean(), (lines, crlf) => {
        const { sdp, candidates } = splitCandidates(lines.join(crlf ? '\r\n' : '\n'));
        const kept = lines.filter((l) => !l.startsWith('a=candidate:') && l !== 'a=end-of-candidates');
        expect(sdp).toBe(kept.join('\r\n'));
        let mid = '0';
        const expected: { candidate: string; sdpMid: string }[] = [];
        for (const l of lines) {
          if (l.startsWith('a=mid:')) mid = l.slice(6);
          if (l.startsWith('a=candidate:')) expected.push({ candidate: l.slice(2), sdpMid: mid });
        }
        expect(candidates).toEqual(expected);
      }),
      { seed: 16_110, numRuns: 300 },
    );
  });

  it('a real-looking data-channel SDP: one candidate out, the rest intact', () => {
    const sdp = ['v=0', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'a=mid:0', 'a=candidate:1 1 UDP 2122317823 192.168.1.2 50000 typ host', 'a=end-of-candidates', 'a=sctp-port:5000', ''].join('\r\n');
    const out = splitCandidates(sdp);
    expect(out.candidates).toEqual([{ candidate: 'candidate:1 1 UDP 2122317823 192.168.1.2 50000 typ host', sdpMid: '0' }]);
    expect(out.sdp).toBe(['v=0', 'm=application 9 UDP/DTLS/SCTP webrtc-datachannel', 'a=mid:0', 'a=sctp-port:5000', ''].join('\r\n'));
  });
});
