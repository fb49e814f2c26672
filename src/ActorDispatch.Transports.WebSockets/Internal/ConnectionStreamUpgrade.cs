using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>
/// Middleware for the endpoint's pipeline, ahead of <c>UseWebSockets</c>: it wraps the request's
/// upgrade features so that the stream ASP.NET Core builds its <see cref="System.Net.WebSockets.WebSocket"/>
/// on is a <see cref="ConnectionStream"/>, which buffers its reads and whose writes the connection's
/// writer can hold back. The handshake itself stays ASP.NET Core's.
/// </summary>
internal static class ConnectionStreamUpgrade
{
    private sealed class Holder
    {
        public ConnectionStream? Stream;

        public Stream Wrap(Stream opaque) => Stream = new ConnectionStream(opaque);
    }

    private sealed class Upgrade(IHttpUpgradeFeature inner, Holder holder) : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest => inner.IsUpgradableRequest;

        public async Task<Stream> UpgradeAsync() => holder.Wrap(await inner.UpgradeAsync().ConfigureAwait(false));
    }

    // WebSockets over HTTP/2 (RFC 8441).
    private sealed class ExtendedConnect(IHttpExtendedConnectFeature inner, Holder holder) : IHttpExtendedConnectFeature
    {
        public bool IsExtendedConnect => inner.IsExtendedConnect;

        public string? Protocol => inner.Protocol;

        public async ValueTask<Stream> AcceptAsync() => holder.Wrap(await inner.AcceptAsync().ConfigureAwait(false));
    }

    public static Task InstallAsync(HttpContext context, RequestDelegate next)
    {
        var holder = new Holder();
        if (context.Features.Get<IHttpUpgradeFeature>() is { } upgrade) context.Features.Set<IHttpUpgradeFeature>(new Upgrade(upgrade, holder));
        if (context.Features.Get<IHttpExtendedConnectFeature>() is { } connect) context.Features.Set<IHttpExtendedConnectFeature>(new ExtendedConnect(connect, holder));
        context.Features.Set(holder);
        return next(context);
    }

    /// <summary>The stream the accepted WebSocket writes to, or null if the upgrade did not go through this middleware.</summary>
    public static ConnectionStream? StreamOf(HttpContext context) => context.Features.Get<Holder>()?.Stream;
}
