/**
 * libopus-wasm settings for Parley voice, shared by the worklets and tests.
 *
 * - VoIP application and Voice signal: keeps the encoder in SILK/hybrid
 *   modes, which is where in-band FEC (LBRR) lives.
 * - 32 kbps VBR: comfortably above the rate at which libopus starts spending
 *   bits on FEC for 20 ms mono voice.
 * - FEC on with packetLossPercent 10: FEC is only emitted when both are set.
 * - DTX on: ~1 packet per 400 ms while silent instead of 50 per second.
 * - Complexity 8: measured ~0.3 ms per frame on the 2-core CI box, well
 *   inside the 2.7 ms render quantum the encode runs in.
 */
import { Application, Signal } from 'libopus-wasm';
import type { DecoderOptions, EncoderOptions } from 'libopus-wasm';
import { SAMPLE_RATE } from './voice-format.ts';

/** Encoder options for one mono 20 ms voice stream. */
export const VOICE_ENCODER_OPTIONS: EncoderOptions = Object.freeze({
  channels: 1,
  sampleRate: SAMPLE_RATE,
  application: Application.Voip,
  signal: Signal.Voice,
  bitrate: 32_000,
  vbr: true,
  complexity: 8,
  fec: true,
  packetLossPercent: 10,
  dtx: true,
});

/** Decoder options matching {@link VOICE_ENCODER_OPTIONS}. */
export const VOICE_DECODER_OPTIONS: DecoderOptions = Object.freeze({
  channels: 1,
  sampleRate: SAMPLE_RATE,
});
