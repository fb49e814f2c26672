using ActorDispatch.Server.Api;
using ActorDispatch.Server.Auth;

namespace ActorDispatch.Server.Diagnostics;

/// <summary>
/// Guards the scraping endpoint's branch with <see cref="MetricsAccess"/>, using the server's own
/// credentials (<see cref="Authenticator"/>) and answering as <c>/api/v1</c> does: 401 with
/// <c>WWW-Authenticate: Basic</c> without valid credentials, 403 when the role or the namespaces fall
/// short. Kept apart from <see cref="AuthMiddleware"/>, which guards <c>/api/v1</c> and <c>/ws</c> only.
/// </summary>
internal static class MetricsAuthMiddleware
{
    public static void UseMetricsAuth(this IApplicationBuilder branch, AuthSettings settings, MetricsAccess access)
    {
        if (!settings.Enabled || access.Role is not { } least) return;
        var authenticator = new Authenticator(settings, new VerifiedPasswordCache(TimeProvider.System));
        var logger = branch.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger("ActorDispatch.Server.Auth");
        branch.Use(async (context, next) =>
        {
            if (authenticator.Authenticate(context.Request, allowAccessToken: false) is not { } principal)
            {
                logger.LogInformation("Refused {Path} from {Remote}: no valid credentials", context.Request.Path, context.Connection.RemoteIpAddress);
                context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{AuthMiddleware.Realm}\"";
                await ErrorResponses.Error(StatusCodes.Status401Unauthorized,
                    "AD10140: authentication required: basic auth (user and password) or an API key (Authorization: Bearer)").ExecuteAsync(context);
                return;
            }
            var why = principal.Role < least
                ? $"AD10141: '{principal.Name}' has role {principal.Role.ToString().ToLowerInvariant()}; this route needs {least.ToString().ToLowerInvariant()}"
                : principal.AllNamespaces
                    ? null
                    : $"AD10142: '{principal.Name}' may use only namespaces {principal.NamespacesDescription}; the metrics cover all ('*')";
            if (why is not null)
            {
                logger.LogInformation("Refused {Path} to {Principal}: {Reason}", context.Request.Path, principal.Name, why);
                await ErrorResponses.Error(StatusCodes.Status403Forbidden, why).ExecuteAsync(context);
                return;
            }
            await next(context);
        });
    }
}
