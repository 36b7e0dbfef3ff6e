// The CLI's version, shown by `--version` and in generated HTML.
public enum StrataCLIVersion {
    public static let current = "0.1.0"
}
