// KMS errors as the endpoint answers them: `{"__type": "...", "message": "..."}` with an HTTP status.

export class KmsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export const fault = {
  notFound: (what: string) => new KmsFault("NotFoundException", `${what} is not found.`),
  invalidArn: (arn: string) => new KmsFault("InvalidArnException", `${arn} is not a valid ARN.`),
  validation: (message: string) => new KmsFault("ValidationException", message),
  unsupported: (message: string) => new KmsFault("UnsupportedOperationException", message),
  invalidState: (message: string) => new KmsFault("KMSInvalidStateException", message),
  disabled: (arn: string) => new KmsFault("DisabledException", `${arn} is disabled.`),
  alreadyExists: (message: string) => new KmsFault("AlreadyExistsException", message),
  malformedPolicy: (message: string) => new KmsFault("MalformedPolicyDocumentException", message),
  tag: (message: string) => new KmsFault("TagException", message),
  /** As the API reference describes LimitExceededException (HTTP 400), for every limit. */
  limitExceeded: () =>
    new KmsFault(
      "LimitExceededException",
      "The request was rejected because a length constraint or quota was exceeded. For more information, see Quotas in the Key Management Service Developer Guide.",
    ),
  invalidMarker: () =>
    new KmsFault(
      "InvalidMarkerException",
      "The request was rejected because the marker that specifies where pagination should next begin is not valid.",
    ),
  throttling: () => new KmsFault("ThrottlingException", "Rate exceeded"),
  internal: () => new KmsFault("KMSInternalException", "An internal error occurred.", 500),
  /**
   * A request signed for a Region this endpoint does not serve: what a KMS endpoint answers a
   * credential scoped to a Region other than its own (AWS's public endpoints of a Region that does
   * not exist have no DNS name at all: the client fails to resolve kms.REGION.amazonaws.com).
   */
  regionNotServed: (region: string) =>
    new KmsFault(
      "InvalidSignatureException",
      `Credential should be scoped to a valid region, not '${region}'.`,
    ),
  /** ReplicateKey into a Region KMS is not offered in: a parameter the operation does not support. */
  regionNotOffered: (region: string) =>
    new KmsFault("UnsupportedOperationException", `${region} is not a Region in which KMS is offered.`),
  /** Temporary credentials the endpoint issued, used after their Expiration. */
  expiredToken: () =>
    new KmsFault("ExpiredTokenException", "The security token included in the request is expired"),
  unrecognizedClient: () =>
    new KmsFault("UnrecognizedClientException", "The security token included in the request is invalid."),
  /** The caller's ARN: arn:aws:iam::ACCOUNT:user/test, or the assumed-role ARN of a session. */
  accessDenied: (callerArn: string, operation: string, resource: string) =>
    new KmsFault(
      "AccessDeniedException",
      `User: ${callerArn} is not authorized to perform: kms:${operation} on resource: ${resource} because no identity-based policy allows the kms:${operation} action`,
    ),
  invalidImportToken: () =>
    new KmsFault("InvalidImportTokenException", "The import token is not valid for this key."),
  expiredImportToken: () =>
    new KmsFault("ExpiredImportTokenException", "The import token has expired; get new parameters."),
  invalidCiphertext: () =>
    new KmsFault("InvalidCiphertextException", "The encrypted key material could not be unwrapped."),
  incorrectKeyMaterial: () =>
    new KmsFault(
      "IncorrectKeyMaterialException",
      "The key material is not the key material that was previously imported into this key.",
    ),
  /** NEW_KEY_MATERIAL whose material the key has had already (KMS: IncorrectKeyMaterialException). */
  materialNotNew: () =>
    new KmsFault(
      "IncorrectKeyMaterialException",
      "KMS expected new key material, but the key material being imported is already associated with this key.",
    ),
  unknownOperation: (operation: string) =>
    new KmsFault("UnknownOperationException", `Unknown operation ${operation}`),
};
