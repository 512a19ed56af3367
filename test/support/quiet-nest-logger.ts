import { ConsoleLogger, Logger } from '@nestjs/common';

// Unit specs exercise code that logs (errors it handles, jobs it runs): the output is the
// results. Nest's console logger, and the TestingLogger a testing module installs (a
// ConsoleLogger that prints errors), print nothing; a spec that checks a log line spies on it.
Logger.overrideLogger(false);
const silent = ConsoleLogger.prototype as unknown as Record<string, unknown>;
silent.printMessages = () => undefined;
silent.printStackTrace = () => undefined;
