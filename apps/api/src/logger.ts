import { ConsoleLogger } from '@nestjs/common';
import type { LogLevel } from '@berth/config';

const NEST_LEVELS: Record<LogLevel, ('debug' | 'log' | 'warn' | 'error' | 'fatal')[]> = {
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
};

/**
 * The process logger: one JSON object per line when output goes to a file or a collector,
 * readable colours on a terminal. Messages are static lower-case text; values go in fields.
 */
export function createLogger(level: LogLevel): ConsoleLogger {
  return new ConsoleLogger({ logLevels: NEST_LEVELS[level], json: !process.stdout.isTTY });
}
