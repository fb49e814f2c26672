namespace ActorDispatch.Transports.Webhooks.Options;

/// <summary>
/// A proxy the operator lets subscriptions use (<c>allowed-proxies</c>): scheme and host, and the
/// port when the entry names one (<c>http://proxy.internal:3128</c>); without one, any port of that host.
/// </summary>
internal sealed record AllowedProxy(string Scheme, string Host, int? Port)
{
    public static AllowedProxy? TryParse(string entry)
    {
        if (!Uri.TryCreate(entry, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.PathAndQuery != "/") return null;
        // Uri fills in the scheme's default port; only a port written in the entry restricts.
        var authority = entry[(entry.IndexOf("://", StringComparison.Ordinal) + 3)..].TrimEnd('/');
        var portWritten = authority.LastIndexOf(':') is var colon and > 0 && colon > authority.LastIndexOf(']');
        return new AllowedProxy(uri.Scheme, uri.IdnHost, portWritten ? uri.Port : null);
    }

    public bool Allows(Uri proxy) =>
        string.Equals(Scheme, proxy.Scheme, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(Host, proxy.IdnHost, StringComparison.OrdinalIgnoreCase) &&
        (Port is null || Port == proxy.Port);
}
