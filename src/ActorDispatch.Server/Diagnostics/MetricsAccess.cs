using ActorDispatch.Server.Auth;

namespace ActorDispatch.Server.Diagnostics;

/// <summary>
/// Who may scrape <c>/metrics</c> when authentication is configured, from
/// <c>ActorDispatch:Metrics:Auth</c>: <c>open</c> (the default: scrapers rarely carry credentials,
/// and the figures hold no event data) or the least role (<c>reader</c>, <c>writer</c>,
/// <c>admin</c>) of a principal of every namespace, since the series name every namespace and
/// subscription. Without authentication configured the endpoint is open like every route.
/// </summary>
/// <param name="Role">The least role, or null for open.</param>
internal sealed record MetricsAccess(Role? Role)
{
    public const string Setting = $"{ServerSettings.Section}:Metrics:Auth";

    public static MetricsAccess From(IConfiguration configuration) => configuration[Setting] switch
    {
        null or "" => new MetricsAccess((Role?)null),
        var v when v.Equals("open", StringComparison.OrdinalIgnoreCase) => new MetricsAccess((Role?)null),
        var v when v.Equals("reader", StringComparison.OrdinalIgnoreCase) => new MetricsAccess(Auth.Role.Reader),
        var v when v.Equals("writer", StringComparison.OrdinalIgnoreCase) => new MetricsAccess(Auth.Role.Writer),
        var v when v.Equals("admin", StringComparison.OrdinalIgnoreCase) => new MetricsAccess(Auth.Role.Admin),
        var v => throw new InvalidOperationException($"{Setting} must be open, reader, writer or admin, not '{v}'"),
    };
}
