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

    public Task CreateSubscriptionAsync(string name, string firstEvent, int expected, CancellationToken ct) =>
        Engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = IE2eHost.Namespace,
            Name = name,
            Transport = "websockets",
            Options = new SubscriptionOptions { FirstEvent = firstEvent, ReadAhead = variant.ReadAhead, WithData = true },
        }, ct);

    public Task<ConsumeResult> ConsumeAsync(string name, int expected, CancellationToken ct) =>
        WebSocketConsumer.RunAsync(server.WebSocketUri($"namespace={IE2eHost.Namespace}&name={Uri.EscapeDataString(name)}"), expected, client, ackEachWrite, ct);

    public ValueTask DisposeAsync() => server.DisposeAsync();
}
