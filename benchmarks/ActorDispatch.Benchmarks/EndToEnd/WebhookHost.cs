using System.Text.Json;
using System.Collections.Immutable;
using ActorDispatch.Model;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// The server with its <c>webhooks</c> transport, posting to a <see cref="WebhookReceiver"/> in this
/// process. Subscriptions use <c>withData</c>, so each body is the event data (or, with <c>batch</c>,
/// an array of them) carrying the sequence and publish timestamp; a 200 acks.
/// </summary>
internal sealed class WebhookHost : IE2eHost
{
    private readonly ServerHost _server;
    private readonly WebhookReceiver _receiver;
    private readonly TransportVariant _variant;

    private WebhookHost(ServerHost server, WebhookReceiver receiver, TransportVariant variant)
    {
        _server = server;
        _receiver = receiver;
        _variant = variant;
    }

    public IActorDispatch Engine => _server.Engine;

    public Task AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken ct) => Engine.AppendAsync(IE2eHost.Namespace, events, ct);

    public async Task<string?> GetConnectionAsync(string name, CancellationToken ct) =>
        (await Engine.GetSubscriptionStatusAsync(IE2eHost.Namespace, name, ct)).Connection;

    /// <summary>Starts a receiver for this server; the server is disposed if that fails, and with the host otherwise.</summary>
    public static async Task<WebhookHost> StartAsync(ServerHost server, TransportVariant variant, CancellationToken ct)
    {
        try
        {
            return new WebhookHost(server, await WebhookReceiver.StartAsync(ct), variant);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public Task CreateSubscriptionAsync(string name, string firstEvent, int expected, CancellationToken ct)
    {
        var url = _receiver.Add(name, expected);
        return Engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = IE2eHost.Namespace,
            Name = name,
            Transport = "webhooks",
            Options = Options(_variant, firstEvent, url),
        }, ct);
    }

    /// <summary>The options of this transport's subscriptions, posting to <paramref name="url"/> (also <see cref="ClusterHost"/>'s).</summary>
    public static SubscriptionOptions Options(TransportVariant variant, string firstEvent, Uri url) => new()
    {
        FirstEvent = firstEvent,
        ReadAhead = variant.ReadAhead,
        WithData = true,
        Batch = variant.Batch ? true : null,
        BatchSize = variant.Batch ? variant.BatchSize : null,
        Transport = ImmutableSortedDictionary.Create<string, JsonElement>(StringComparer.Ordinal)
            .Add("url", JsonSerializer.SerializeToElement(url.AbsoluteUri)),
    };

    public Task<ConsumeResult> ConsumeAsync(string name, int expected, CancellationToken ct)
    {
        var sink = _receiver.Sink(name);
        if (sink.Expected != expected) throw new InvalidOperationException($"{name} was created for {sink.Expected} events, not {expected}");
        return sink.Completion.WaitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        // The server first: its webhook requests stop before the receiver goes away.
        await _server.DisposeAsync();
        await _receiver.DisposeAsync();
    }
}
