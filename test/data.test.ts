import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_TEST_DATA_DIR, TEST_DATA_DIR } from './support.js';

const files = ['philox4x32_kat.txt', 'dropout_mapping_kat.txt'];

describe('known-answer files', () => {
  it.runIf(process.env.CI === 'true' || existsSync(SHARED_TEST_DATA_DIR))(
    "test/data holds exact copies of ../shared/testdata's files",
    () => {
      for (const name of files) {
        expect(readFileSync(join(TEST_DATA_DIR, name), 'utf8'), name).toBe(
          readFileSync(join(SHARED_TEST_DATA_DIR, name), 'utf8'),
        );
      }
    },
  );
});
