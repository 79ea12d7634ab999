// The engine's public surface. sim/ knows nothing of devices or workloads.
export * from './units.ts';
export { EventQueue, type ScheduledEvent } from './event-queue.ts';
export { SimEvent, allOf, anyOf } from './event.ts';
export { Simulation, type ProcessBody } from './simulation.ts';
export { Server, type ServerOptions } from './server.ts';
export { FluidChannel, type FluidChannelOptions, type TransferOptions, type TransferResult } from './fluid-channel.ts';
export { Rng } from './rng.ts';
export { TraceRecorder, type Track, type TraceArgs, type ChromeTrace, type TrackBusy } from './trace.ts';
export * from './summary.ts';
export * from './validation.ts';
