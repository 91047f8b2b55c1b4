// The multi-Region primary key the unit tests talk about, in us-east-1 of account 111122223333.
import { NO_FIELD_ERRORS, type KeyView } from "../../src/core/family.js";
import type { PrimaryKey } from "../../src/core/events.js";

export const KEY_ID = "mrk-1234abcd12ab34cd56ef1234567890ab";
export const PRIMARY_ARN = `arn:aws:kms:us-east-1:111122223333:key/${KEY_ID}`;

/** The same key's ARN in another Region (its replica there). */
export const arnIn = (region: string): string => PRIMARY_ARN.replace("us-east-1", region);

export const PRIMARY: PrimaryKey = {
  keyId: KEY_ID,
  arn: PRIMARY_ARN,
  region: "us-east-1",
  partition: "aws",
  keySpec: "SYMMETRIC_DEFAULT",
  keyUsage: "ENCRYPT_DECRYPT",
  origin: "AWS_KMS",
  replicas: [],
};

/** A usable key of the family as `status` sees it: the primary's properties, in `region`. */
export function keyView(region: string, role: KeyView["role"], overrides: Partial<KeyView> = {}): KeyView {
  return {
    region,
    role,
    arn: arnIn(region),
    keyState: "Enabled",
    enabled: true,
    description: "Payments key",
    tags: { team: "payments", env: "prod" },
    aliases: ["alias/payments"],
    policy: "{}",
    error: null,
    fieldErrors: NO_FIELD_ERRORS,
    ...overrides,
  };
}
