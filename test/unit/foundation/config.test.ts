import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv } from '../../../config/env.ts';

describe('configuration', () => {
  it('has demo-friendly defaults', () => {
    const env = loadEnv({});
    expect(env.OVERSIGHT_DATA_DIR).toBe('./data/oversight');
    expect(env.CLICKHOUSE_URL).toBeUndefined();
    expect(env.KAFKA_BROKERS).toEqual([]);
    expect(env.RAW_TEXT_TTL_DAYS).toBe(400);
  });

  it('parses lists and numbers, treating empty strings as unset', () => {
    const env = loadEnv({ KAFKA_BROKERS: 'a:9092, b:9092', INGEST_BATCH_SIZE: '200', PORT: '' });
    expect(env.KAFKA_BROKERS).toEqual(['a:9092', 'b:9092']);
    expect(env.INGEST_BATCH_SIZE).toBe(200);
    expect(env.PORT).toBe(3000);
  });

  it('names every invalid variable in one error', () => {
    try {
      loadEnv({ CLICKHOUSE_URL: 'not a url', INGEST_BATCH_SIZE: '-3', OVERSIGHT_PLANNED_USERS: '{bad' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const msg = (err as Error).message;
      expect(msg).toContain('CLICKHOUSE_URL');
      expect(msg).toContain('INGEST_BATCH_SIZE');
      expect(msg).toContain('OVERSIGHT_PLANNED_USERS');
    }
  });

  it('links alerts to the port it serves on unless PUBLIC_BASE_URL says otherwise; URLs are checked', () => {
    expect(loadEnv({}).PUBLIC_BASE_URL).toBe('http://localhost:3000');
    expect(loadEnv({ PORT: '3100' }).PUBLIC_BASE_URL).toBe('http://localhost:3100');
    expect(loadEnv({ PORT: '3100', PUBLIC_BASE_URL: 'https://oversight.example.go.jp/' }).PUBLIC_BASE_URL).toBe('https://oversight.example.go.jp');
    expect(() => loadEnv({ PUBLIC_BASE_URL: 'oversight' })).toThrow(/PUBLIC_BASE_URL must be a URL/);
    expect(() => loadEnv({ ORIGIN: 'oversight.example.go.jp' })).toThrow(/ORIGIN must be a URL/);
  });

  it('parses the evaluator shard once, for serve and the CLI', () => {
    expect(loadEnv({ OVERSIGHT_EVAL_SHARD: '1/3' }).OVERSIGHT_EVAL_SHARD).toEqual({ index: 1, count: 3 });
    expect(loadEnv({}).OVERSIGHT_EVAL_SHARD).toBeUndefined();
    expect(() => loadEnv({ OVERSIGHT_EVAL_SHARD: '3/3' })).toThrow(/OVERSIGHT_EVAL_SHARD: a shard is "i\/n" with 0 ≤ i < n/);
  });
});
