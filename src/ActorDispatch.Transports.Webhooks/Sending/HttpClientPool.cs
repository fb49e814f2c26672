using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using ActorDispatch.Transports.Webhooks.Options;

namespace ActorDispatch.Transports.Webhooks.Sending;

/// <summary>
/// One <see cref="HttpClient"/> per distinct connection setting (<see cref="HandlerKey"/>: timeouts,
/// pool size, proxy, TLS configuration), shared by every subscription with that setting, so that
/// connections are pooled and reused rather than opened per delivery. Every connection is opened
/// through the <see cref="EgressPolicy"/>, on the addresses it allows, and no redirect is followed:
/// a 3xx is a failed delivery, since following it could lead anywhere with the request's headers.
/// </summary>
internal sealed class HttpClientPool(ImmutableDictionary<string, TlsMaterial> tls, EgressPolicy egress) : IDisposable
{
    // Recycle connections now and then so that DNS changes of a receiver are picked up.
    private static readonly TimeSpan ConnectionLifetime = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<HandlerKey, Lazy<HttpClient>> _clients = new();

    public int Count => _clients.Count;

    public HttpClient Get(HandlerKey key) =>
        _clients.GetOrAdd(key, k => new Lazy<HttpClient>(() => Create(k), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private HttpClient Create(HandlerKey key)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = key.ConnectionTimeout,
            PooledConnectionIdleTimeout = key.IdleTimeout,
            PooledConnectionLifetime = ConnectionLifetime,
            // .NET pools active and idle connections together: maxIdleConns bounds both, per server (0: no bound).
            MaxConnectionsPerServer = key.MaxIdleConns == 0 ? int.MaxValue : key.MaxIdleConns,
            // A proxy only when the subscription names one, so that delivery does not depend on the host's environment.
            UseProxy = key.ProxyUrl is not null,
            Proxy = key.ProxyUrl is { } proxy ? new WebProxy(proxy) : null,
            AllowAutoRedirect = false,
            ConnectCallback = (context, ct) => egress.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, ct),
            AutomaticDecompression = DecompressionMethods.All,
            // Each request carries its delivery's trace context (WebhookRequestBuilder); the handler
            // would add a second traceparent from whatever activity the sending task inherited.
            ActivityHeadersPropagator = null,
            UseCookies = false,
        };
        if (key.TlsConfigName is { } name) tls[name].Apply(handler.SslOptions);
        // Each attempt has its own timeout (httpOptions.requestTimeout); the client's would apply to all.
        return new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values.Where(c => c.IsValueCreated)) client.Value.Dispose();
        _clients.Clear();
    }
}
