// Preloaded into the slow-reader probe's relay (`node --expose-gc --import`):
// a full GC every 250 ms, so the RSS the probe reads is what the relay keeps,
// not garbage that V8 has not collected yet or malloc has not returned.
setInterval(() => globalThis.gc?.(), 250).unref();
