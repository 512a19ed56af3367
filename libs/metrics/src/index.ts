export * from './metrics.module';
export * from './metrics.module-definition';
export * from './metrics.config';
export * from './metrics-access.guard';
export * from './metrics.registry';
export * from './transcode.metrics';
