using System.Net;

namespace ActorDispatch.Server.Auth;

/// <summary>
/// Refuses to serve a non-loopback address without authentication, unless
/// <c>ActorDispatch:Auth:AllowAnonymous=true</c> says that is intended (e.g. behind an
/// authenticating proxy). Checked on the configured addresses before the app is built, so nothing
/// has been bound when it throws: <c>urls</c> (<c>--urls</c>, <c>ASPNETCORE_URLS</c>),
/// <c>http_ports</c>/<c>https_ports</c> (which bind every interface) when no urls are given, and
/// <c>Kestrel:Endpoints:*:Url</c>. Without any, Kestrel listens on localhost only.
/// </summary>
internal static class AnonymousExposureGuard
{
    public static void Check(IConfiguration configuration, AuthSettings auth)
    {
        if (auth.Enabled || auth.AllowAnonymous) return;
        if (ExposedAddresses(configuration).FirstOrDefault() is { } exposed)
            throw new InvalidOperationException(
                $"Refusing to listen on '{exposed}' without authentication: configure {PasswordFile.Setting} or {AuthSettings.Section}:ApiKeys, " +
                $"or set {AuthSettings.Section}:AllowAnonymous=true to serve a non-loopback address to anyone");
    }

    private static IEnumerable<string> ExposedAddresses(IConfiguration configuration)
    {
        var urls = Split(configuration[WebHostDefaults.ServerUrlsKey]);
        foreach (var url in urls)
            if (!IsLoopback(url)) yield return url;
        if (urls.Length == 0)
            foreach (var port in Split(configuration[WebHostDefaults.HttpPortsKey]).Concat(Split(configuration[WebHostDefaults.HttpsPortsKey])))
                yield return $"*:{port}";
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
            if (endpoint["Url"] is { Length: > 0 } url && !IsLoopback(url))
                yield return url;
    }

    private static string[] Split(string? list) => (list ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // Kestrel's own parsing: "http://*:80", "http://+:80" and "http://0.0.0.0:80" all mean every interface.
    private static bool IsLoopback(string url)
    {
        BindingAddress address;
        try
        {
            address = BindingAddress.Parse(url);
        }
        catch (FormatException)
        {
            return false; // Kestrel will reject it; until then, not known to be loopback
        }
        if (address.IsUnixPipe || address.IsNamedPipe) return true; // local only
        var host = address.Host.Trim('[', ']');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
    }
}
