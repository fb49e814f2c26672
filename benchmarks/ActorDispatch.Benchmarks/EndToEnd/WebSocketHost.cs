using ActorDispatch.Model;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// The server with its <c>websockets</c> transport; each subscription is consumed by a
/// <see cref="WebSocketConsumer"/> on <c>/ws?namespace=…&amp;name=…</c>. Subscriptions carry the
/// event data (<c>withData</c>), where the sequence and publish timestamp are.
/// </summary>
internal sealed class WebSocketHost(ServerHost server, TransportVariant variant, WsClient client, bool ackEachWrite) : IE2eHost
{
    public IActorDispatch Engine => server.Engine;

    public Task AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken ct) => Engine.AppendAsync(IE2eHost.Namespace, events, ct);

    public async Task<string?> GetConnectionAsync(string name, CancellationToken ct) =>
        (await Engine.GetSubscriptionStatusAsync(IE2eHost.Namespace, name, ct)).Connection;

    public Task CreateSubscriptionAsync(string name, string firstEvent, int expected, CancellationToken ct) =>
        Engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = IE2eHost.Namespace,
            Name = name,
            Transport = "websockets",
            Options = Options(variant, firstEvent),
        }, ct);

    /// <summary>The options of this transport's subscriptions (also <see cref="ClusterHost"/>'s).</summary>
    public static SubscriptionOptions Options(TransportVariant variant, string firstEvent) =>
        new() { FirstEvent = firstEvent, ReadAhead = variant.ReadAhead, WithData = true };

    public Task<ConsumeResult> ConsumeAsync(string name, int expected, CancellationToken ct) =>
        WebSocketConsumer.RunAsync(server.WebSocketUri($"namespace={IE2eHost.Namespace}&name={Uri.EscapeDataString(name)}"), expected, client, ackEachWrite, ct);

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
