using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorDispatch.Transports.Webhooks.Tests.Support;

/// <summary>A request as the receiver saw it.</summary>
public sealed record ReceivedRequest(string Method, string Path, string Query, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset At)
{
    /// <summary>The subject of the client certificate presented over TLS, if any.</summary>
    public string? ClientCertificate { get; init; }

    public string Text => Encoding.UTF8.GetString(Body);

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    /// <summary>The <c>sequence</c> of a delivery body, or the <c>n</c> of a data payload.</summary>
    public long Number => Json.TryGetProperty("sequence", out var s) ? s.GetInt64() : Json.GetProperty("n").GetInt64();
}

/// <summary>
/// A real Kestrel server on 127.0.0.1 that records every request and answers through a replaceable
/// <see cref="Handler"/> (200 with no body by default). Can stop and start again on the same port,
/// to play a receiver that goes down and comes back.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedRequest> _requests = new();
    private readonly X509Certificate2? _certificate;
    private WebApplication? _app;

    private WebhookReceiver(X509Certificate2? certificate) => _certificate = certificate;

    /// <summary>Answers each request after it is recorded; may delay, fail or write any response.</summary>
    public Func<ReceivedRequest, HttpContext, Task> Handler { get; set; } = (_, _) => Task.CompletedTask;

    public int Port { get; private set; }

    public string Url(string path = "/hook") => $"{(_certificate is null ? "http" : "https")}://127.0.0.1:{Port}{path}";

    public IReadOnlyList<ReceivedRequest> Requests => _requests.ToArray();

    public static async Task<WebhookReceiver> StartAsync(X509Certificate2? certificate = null)
    {
        var receiver = new WebhookReceiver(certificate);
        await receiver.StartAsync(0);
        return receiver;
    }

    /// <summary>Starts again on the port it had: the receiver is back.</summary>
    public Task RestartAsync() => StartAsync(Port);

    private async Task StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, port, listen =>
        {
            if (_certificate is not null)
            {
                listen.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = _certificate,
                    // Client certificates are recorded, not judged: the specs check which one was sent.
                    ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                    ClientCertificateValidation = (_, _, _) => true,
                });
            }
        }));
        var app = builder.Build();
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            var request = new ReceivedRequest(context.Request.Method, context.Request.Path, context.Request.QueryString.Value ?? "", headers, body.ToArray(), DateTimeOffset.UtcNow)
            {
                ClientCertificate = context.Connection.ClientCertificate?.Subject,
            };
            _requests.Enqueue(request);
            await Handler(request, context);
        });
        await app.StartAsync();
        _app = app;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Port = new Uri(addresses.First().Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
    }

    /// <summary>Stops listening: connections are refused until <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_app is null) return;
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await _app.StopAsync(grace.Token);
        await _app.DisposeAsync();
        _app = null;
    }

    /// <summary>Waits (bounded) until at least <paramref name="count"/> requests arrived, matching <paramref name="where"/> when given.</summary>
    public async Task<IReadOnlyList<ReceivedRequest>> WaitForAsync(int count, TimeSpan? within = null, Func<ReceivedRequest, bool>? where = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var matching = Requests.Where(where ?? (_ => true)).ToList();
            if (matching.Count >= count) return matching;
            if (DateTime.UtcNow > deadline)
                throw new Xunit.Sdk.XunitException($"expected {count} requests, received {matching.Count} within {(within ?? TimeSpan.FromSeconds(15)).TotalSeconds}s");
            await Task.Delay(20);
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
