using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.Model;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// Server processes (<see cref="ServerNodes"/>) as an e2e host, in a namespace of its own: events are
/// appended to node 1 over REST (one JSON array per call) or its append stream, subscriptions are created and watched there,
/// and consumed on node 2 (node 1 when it is alone): by a <see cref="WebSocketConsumer"/> on its
/// <c>/ws</c>, or for webhooks by a <see cref="WebhookReceiver"/> in this process that the dispatching
/// node posts to. The subscriptions are those of <see cref="WebSocketHost"/> and <see cref="WebhookHost"/>;
/// disposing deletes them, so the long-running nodes do not gather idle dispatchers.
/// </summary>
internal sealed class ClusterHost : IE2eHost
{
    private readonly E2eOptions _o;
    private readonly WebhookReceiver? _receiver;
    private readonly string _namespace;
    private readonly ServerNode _publisher;
    private readonly ServerNode _consumer;
    private readonly List<string> _created = [];

    private ClusterHost(ServerNodes nodes, E2eOptions o, WebhookReceiver? receiver)
    {
        _o = o;
        _receiver = receiver;
        _namespace = nodes.NextNamespace();
        _publisher = nodes.Nodes[0];
        _consumer = nodes.Nodes[Math.Min(1, nodes.Nodes.Count - 1)];
    }

    public static async Task<ClusterHost> StartAsync(ServerNodes nodes, E2eOptions o, CancellationToken ct) =>
        new(nodes, o, o.Variant.Kind == TransportKind.Webhook ? await WebhookReceiver.StartAsync(ct) : null);

    public Task AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken ct) => _publisher.AppendAsync(_namespace, events, ct);

    public async Task<string?> GetConnectionAsync(string name, CancellationToken ct) => (await _publisher.GetStatusAsync(_namespace, name, ct)).Connection;

    public async Task CreateSubscriptionAsync(string name, string firstEvent, int expected, CancellationToken ct)
    {
        var options = _receiver is null
            ? WebSocketHost.Options(_o.Variant, firstEvent)
            : WebhookHost.Options(_o.Variant, firstEvent, _receiver.Add(name, expected));
        await _publisher.CreateSubscriptionAsync(_namespace, name, _receiver is null ? "websockets" : "webhooks", options, ct);
        _created.Add(name);
    }

    public Task<ConsumeResult> ConsumeAsync(string name, int expected, CancellationToken ct)
    {
        if (_receiver is null) return WebSocketConsumer.RunAsync(_consumer.WebSocketUri(_namespace, name), expected, _o.WsClient, _o.AckEachWrite, ct);
        var sink = _receiver.Sink(name);
        if (sink.Expected != expected) throw new InvalidOperationException($"{name} was created for {sink.Expected} events, not {expected}");
        return sink.Completion.WaitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        // The subscriptions first: their webhook requests stop before the receiver goes away.
        var placement = new List<string>();
        foreach (var name in _created)
        {
            try
            {
                // Where it was dispatched: only deliveries from another node than the consumer's cross the network.
                placement.Add((await _publisher.GetStatusAsync(_namespace, name, CancellationToken.None)).Node ?? _publisher.Name);
                await _publisher.DeleteSubscriptionAsync(_namespace, name, CancellationToken.None);
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException)
            {
                Progress.Log($"could not delete subscription {_namespace}/{name}: {e.Message}");
            }
        }
        if (_receiver is not null) await _receiver.DisposeAsync();
        await _publisher.CloseAppendStreamAsync(_namespace);
        if (placement.Count == 0) return;
        var nodes = string.Join(", ", placement.GroupBy(n => n).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}"));
        Progress.Log(_receiver is null
            ? $"{_namespace}: {placement.Count(n => n != _consumer.Name)} of {placement.Count} subscriptions dispatched off the consumer's node ({_consumer.Name}): {nodes}"
            : $"{_namespace}: subscriptions dispatched on {nodes}");
    }
}
