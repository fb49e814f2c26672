using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using ActorDispatch.Benchmarks.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using HttpResults = Microsoft.AspNetCore.Http.Results;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// A local Kestrel receiver on <c>127.0.0.1</c> with a free port: <c>POST /hook/{name}</c> records
/// the body in that subscription's <see cref="WebhookSink"/> and answers 200 with no body (which
/// acks). A body it cannot read answers 400 (rejected, not retried) and fails the sink.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, WebhookSink> _sinks = new(StringComparer.Ordinal);

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = null!;

    public static async Task<WebhookReceiver> StartAsync(CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"]);
        var receiver = new WebhookReceiver(builder.Build());
        receiver._app.MapPost("/hook/{name}", receiver.HandleAsync);
        await receiver._app.StartAsync(ct);
        receiver.Address = new Uri(receiver._app.Urls.First());
        return receiver;
    }

    /// <summary>Makes the sink for a subscription's deliveries; returns the URL to give the subscription.</summary>
    public Uri Add(string name, int expected)
    {
        if (!_sinks.TryAdd(name, new WebhookSink(expected))) throw new InvalidOperationException($"a sink for {name} exists already");
        return new Uri(Address, $"hook/{Uri.EscapeDataString(name)}");
    }

    public WebhookSink Sink(string name) =>
        _sinks.TryGetValue(name, out var sink) ? sink : throw new InvalidOperationException($"no subscription {name} was created");

    private async Task<IResult> HandleAsync(string name, HttpRequest request)
    {
        if (!_sinks.TryGetValue(name, out var sink)) return HttpResults.NotFound();
        try
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            sink.Receive(body.RootElement, Stopwatch.GetTimestamp());
            return HttpResults.Ok();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            sink.Fail(new InvalidOperationException($"webhook for {name}: unreadable body: {e.Message}", e));
            return HttpResults.BadRequest();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using (var timeout = new CancellationTokenSource(StopTimeout))
                await _app.StopAsync(timeout.Token);
            await _app.DisposeAsync().AsTask().WaitAsync(StopTimeout);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            Progress.Log($"webhook receiver did not stop within {StopTimeout.TotalSeconds:F0} s; abandoning it");
        }
    }
}
