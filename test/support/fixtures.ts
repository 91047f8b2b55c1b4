// The multi-Region primary key the unit tests talk about, in us-east-1 of account 111122223333.
import type { PrimaryKey } from "../../src/events.js";

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
