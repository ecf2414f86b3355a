/// The version of `ledgerd` and `ledgerctl`, which both print it for `--version`. Raise it here, and only here, for
/// each release.
public enum LedgerVersion {
    public static let current = "0.9.0"
}
