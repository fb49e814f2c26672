namespace ActorDispatch.Server.Api;

/// <summary>
/// What keeps a web page in a user's browser from driving the server on the user's behalf. A page
/// may send a cross-site POST without asking (a "simple" request), but only with a form or text
/// content type: so every POST and PUT under <c>/api/v1</c> must say <c>application/json</c>, also
/// one without a body (415 otherwise). A page may open a WebSocket to any host: so <c>/ws</c> and
/// an append stream refuse an <c>Origin</c> that is neither the server's own nor listed in
/// <c>ActorDispatch:AllowedOrigins</c> (403). Clients that are not browsers send no Origin and are not affected.
/// </summary>
internal static class BrowserGuards
{
    public static IApplicationBuilder UseBrowserGuards(this IApplicationBuilder app, IReadOnlySet<string> allowedOrigins, string webSocketPath) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if ((HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method)) && request.Path.StartsWithSegments("/api/v1") &&
                (request.ContentType is not { } type || !JsonBody.IsJson(type)))
                throw JsonBody.NotJson(request.ContentType);
            if ((request.Path.StartsWithSegments(webSocketPath) || IsWebSocketUpgrade(context)) && request.Headers.Origin is { Count: > 0 } origins &&
                origins.ToString() is var origin && !SameOrigin(request, origin) && !allowedOrigins.Contains(origin.TrimEnd('/')))
                throw new HttpProblem(StatusCodes.Status403Forbidden,
                    $"AD10124: origin '{origin}' may not open a WebSocket here; list it in ActorDispatch:AllowedOrigins");
            await next(context);
        });

    // Any WebSocket handshake (an append stream's too): HTTP/1.1's upgrade, or HTTP/2's extended CONNECT.
    private static bool IsWebSocketUpgrade(HttpContext context) =>
        context.Request.Headers.Upgrade.ToString().Contains("websocket", StringComparison.OrdinalIgnoreCase) ||
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpExtendedConnectFeature>() is { IsExtendedConnect: true, Protocol: "websocket" };

    private static bool SameOrigin(HttpRequest request, string origin) =>
        string.Equals(origin.TrimEnd('/'), $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase) ||
        // A WebSocket upgrade comes as http(s); a page served over https opens wss to the same host.
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase) &&
        string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase);
}
