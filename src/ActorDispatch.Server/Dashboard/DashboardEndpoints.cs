namespace ActorDispatch.Server.Dashboard;

/// <summary>
/// The operator's dashboard at <c>GET /ui</c>: static HTML, CSS and JavaScript (no build step) that
/// poll the REST API, plus the one read-only route they need beyond it
/// (<see cref="NamespaceOverview"/>). The files are open to anyone who reaches the server: they hold
/// no data, and every API call the page makes carries the credentials entered in it, checked as
/// any other client's.
/// </summary>
internal static class DashboardEndpoints
{
    public const string Path = "/ui";
    public const string IndexFile = "index.html";

    // Only the page's own files and API; no inline script, nothing from elsewhere, never framed.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static WebApplication MapDashboard(this WebApplication app)
    {
        var assets = DashboardAssets.Load(typeof(DashboardEndpoints).Assembly);
        app.MapGroup("/api/v1").MapNamespaceOverview();
        var ui = app.MapGroup(Path).WithTags("Dashboard").ExcludeFromDescription();
        // Routing matches /ui and /ui/ alike; the page's relative links need /ui/, so /ui redirects there.
        ui.MapGet("", (HttpContext context) => context.Request.Path.Value!.EndsWith('/')
            ? Serve(context, assets.Find(IndexFile))
            : Results.Redirect($"{context.Request.PathBase}{Path}/{context.Request.QueryString}"));
        ui.MapGet("/{file}", (HttpContext context, string file) => Serve(context, assets.Find(file)));
        return app;
    }

    private static IResult Serve(HttpContext context, DashboardAssets.Asset? asset)
    {
        if (asset is null) return Results.NotFound();
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        // Revalidated on every load, so that a new server version's page is never mixed with an old script.
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch.Contains(asset.ETag)) return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(asset.Content, asset.ContentType);
    }
}
