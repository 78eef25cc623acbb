/** Messages between bench:fanout's sender (parent) and its receivers process. */
import type { DescriptionType } from 'node-datachannel';

/** Parent → receivers. */
export type ToReceivers =
  | { readonly type: 'open'; readonly k: number }
  | { readonly type: 'answer'; readonly index: number; readonly sdp: string; readonly sdpType: DescriptionType }
  | { readonly type: 'candidate'; readonly index: number; readonly candidate: string; readonly mid: string }
  | { readonly type: 'count' }
  | { readonly type: 'exit' };

/** Receivers → parent. */
export type FromReceivers =
  | { readonly type: 'ready' }
  | { readonly type: 'offer'; readonly index: number; readonly sdp: string; readonly sdpType: DescriptionType }
  | { readonly type: 'candidate'; readonly index: number; readonly candidate: string; readonly mid: string }
  | { readonly type: 'count'; readonly received: number };
