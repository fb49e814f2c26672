using Microsoft.AspNetCore.Routing.Patterns;

namespace ActorDispatch.Server.Auth;

/// <summary>
/// What a request needs: the least role, and the namespace it touches (null: none, so only a
/// principal of every namespace passes, except on <c>/api/v1/status</c>, which any principal may read).
/// GETs need reader, appending events (also over an append stream) writer, everything else admin;
/// routes without a namespace need admin. Needs routing to have run, for the <c>{ns}</c> route value.
/// </summary>
internal sealed record RouteAccess(Role Role, string? Namespace, bool AnyNamespace)
{
    private const string EventsRoute = "/api/v1/namespaces/{ns}/events";

    public static RouteAccess For(HttpContext context, string webSocketPath)
    {
        var request = context.Request;
        if (request.Path.StartsWithSegments(webSocketPath))
            return new RouteAccess(Role.Reader, request.Query["namespace"] is { Count: 1 } ns && ns.ToString() is { Length: > 0 } value ? value : null, false);
        if (request.Path.Equals("/api/v1/status", StringComparison.OrdinalIgnoreCase) && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)))
            return new RouteAccess(Role.Reader, null, true);
        if (context.GetRouteValue("ns") is not string routeNamespace)
            return new RouteAccess(Role.Admin, null, false);
        // An append stream's upgrade is a GET, or a CONNECT over HTTP/2, but it appends.
        if (IsRoute(context.GetEndpoint(), Api.AppendStreamEndpoint.Route))
            return new RouteAccess(Role.Writer, routeNamespace, false);
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
            return new RouteAccess(Role.Reader, routeNamespace, false);
        if (HttpMethods.IsPost(request.Method) && IsRoute(context.GetEndpoint(), EventsRoute))
            return new RouteAccess(Role.Writer, routeNamespace, false);
        return new RouteAccess(Role.Admin, routeNamespace, false);
    }

    private static bool IsRoute(Endpoint? endpoint, string route) =>
        endpoint is RouteEndpoint { RoutePattern: RoutePattern pattern } &&
        string.Equals(pattern.RawText?.TrimEnd('/'), route, StringComparison.OrdinalIgnoreCase);
}
