using ActorDispatch.Transports;
using System.Security.Claims;
using ActorDispatch.Server.Api;

namespace ActorDispatch.Server.Auth;

/// <summary>
/// Enforces <see cref="AuthSettings"/> on <c>/api/v1</c> and the WebSocket path: 401 with
/// <c>WWW-Authenticate: Basic realm="ActorDispatch"</c> without valid credentials, 403 when the
/// principal's role or namespaces do not cover the route. Everything else (<c>/healthz</c>,
/// <c>/readyz</c>, <c>/api/openapi.json</c>) stays open. Runs after routing, for the route values.
/// Logs who was refused and why, never what was presented.
/// </summary>
internal static class AuthMiddleware
{
    public const string Realm = "ActorDispatch";

    public static IApplicationBuilder UseActorDispatchAuth(this IApplicationBuilder app, AuthSettings settings, string webSocketPath)
    {
        if (!settings.Enabled) return app;
        var authenticator = new Authenticator(settings, new VerifiedPasswordCache(TimeProvider.System));
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("ActorDispatch.Server.Auth");
        return app.Use(async (context, next) =>
        {
            var path = context.Request.Path;
            var webSocket = path.StartsWithSegments(webSocketPath);
            if (!webSocket && !path.StartsWithSegments("/api/v1"))
            {
                await next(context);
                return;
            }
            if (authenticator.Authenticate(context.Request, allowAccessToken: webSocket) is not { } principal)
            {
                logger.LogInformation("Refused {Method} {Path} from {Remote}: no valid credentials", context.Request.Method, path, context.Connection.RemoteIpAddress);
                context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\"";
                await ErrorResponses.Error(StatusCodes.Status401Unauthorized,
                    "AD10140: authentication required: basic auth (user and password) or an API key (Authorization: Bearer)").ExecuteAsync(context);
                return;
            }
            if (Forbidden(principal, RouteAccess.For(context, webSocketPath), webSocket) is { } why)
            {
                logger.LogInformation("Refused {Method} {Path} to {Principal}: {Reason}", context.Request.Method, path, principal.Name, why);
                await ErrorResponses.Error(StatusCodes.Status403Forbidden, why).ExecuteAsync(context);
                return;
            }
            // A WebSocket client may start subscriptions in several namespaces: the transport checks each.
            if (webSocket && !principal.AllNamespaces) context.Features.Set<INamespaceAccess>(new PrincipalNamespaces(principal));
            context.User = new ClaimsPrincipal(new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, principal.Name), new Claim(ClaimTypes.Role, principal.Role.ToString().ToLowerInvariant())], "ActorDispatch"));
            await next(context);
        });
    }

    private static string? Forbidden(AuthPrincipal principal, RouteAccess access, bool webSocket)
    {
        var role = principal.Role.ToString().ToLowerInvariant();
        if (principal.Role < access.Role)
            return $"AD10141: '{principal.Name}' has role {role}; this route needs {access.Role.ToString().ToLowerInvariant()}";
        if (access.AnyNamespace || principal.AllNamespaces) return null;
        // On /ws the transport checks the namespace of every subscription the client starts.
        if (access.Namespace is null)
            return webSocket ? null : $"AD10142: '{principal.Name}' may use only namespaces {principal.NamespacesDescription}; this route needs all ('*')";
        return principal.Allows(access.Namespace)
            ? null
            : $"AD10142: '{principal.Name}' may not use namespace '{access.Namespace}' (only {principal.NamespacesDescription})";
    }
}
