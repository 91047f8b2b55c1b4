// Types of scripts/notices.mjs (plain JavaScript, run by the build without a compiler), for the tests.
import type { Metafile } from "esbuild";

export declare const NOTICES_FILE: string;

export interface BundledPackage {
  readonly name: string;
  readonly version: string;
  /** The SPDX expression of its package.json, or "(none declared)". */
  readonly licence: string;
  readonly repository: string | undefined;
  /** Its folder under node_modules. */
  readonly dir: string;
}

export interface LicenceFile {
  readonly name: string;
  readonly text: string;
}

export interface PackageWithTexts extends BundledPackage {
  readonly files: readonly LicenceFile[];
  /** "name version" of the package whose files it took, when it ships none. */
  readonly borrowedFrom?: string;
  /** Its repository, when it ships none and took the files copied into scripts/licences/. */
  readonly keptFor?: string;
}

export declare function bundledPackages(metafiles: readonly Metafile[], cwd: string): BundledPackage[];
export declare function packageOf(file: string): BundledPackage;
export declare function licenceId(manifest: Record<string, unknown>): string;
export declare function repositoryUrl(repository: unknown): string | undefined;
export declare function licenceFiles(dir: string): LicenceFile[];
/** `kept`: the folder of licence files copied from repositories (default scripts/licences/). */
export declare function withLicenceTexts(
  packages: readonly BundledPackage[],
  kept?: string,
): PackageWithTexts[];
export declare function renderNotices(
  product: { readonly name: string; readonly version: string },
  packages: readonly PackageWithTexts[],
): string;
export declare function thirdPartyNotices(
  product: { readonly name: string; readonly version: string },
  metafiles: readonly Metafile[],
  cwd: string,
): { packages: PackageWithTexts[]; text: string };
