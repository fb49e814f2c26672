using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.Model;
using ActorDispatch.Transports;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// The engine on a fresh actor system and SQLite file, with only the built-in <c>system</c>
/// (in-process) transport, consumed with <see cref="IActorDispatch.ListenAsync"/>.
/// </summary>
internal sealed class EngineHost : IE2eHost
{
    private readonly StoreActorSystem _store;
    private readonly SubscriptionOptions _options;

    private EngineHost(StoreActorSystem store, SubscriptionOptions options)
    {
        _store = store;
        _options = options;
        Engine = new ActorDispatchEngine(store.System, Array.Empty<IEventTransport>());
    }

    public IActorDispatch Engine { get; }

    public Task AppendAsync(IReadOnlyList<NewEvent> events, CancellationToken ct) => Engine.AppendAsync(IE2eHost.Namespace, events, ct);

    public async Task<string?> GetConnectionAsync(string name, CancellationToken ct) =>
        (await Engine.GetSubscriptionStatusAsync(IE2eHost.Namespace, name, ct)).Connection;

    public static EngineHost Start(string name, E2eOptions o) => new(StoreActorSystem.Create(name, o.Config, o.Postgres), new SubscriptionOptions
    {
        ReadAhead = o.Variant.ReadAhead,
        AckTimeout = o.AckTimeout,
        MaxDeliveries = o.MaxDeliveries > 0 ? o.MaxDeliveries : null,
    });

    public Task CreateSubscriptionAsync(string name, string firstEvent, int expected, CancellationToken ct) =>
        Engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = IE2eHost.Namespace,
            Name = name,
            Transport = "system",
            Options = _options with { FirstEvent = firstEvent },
        }, ct);

    public Task<ConsumeResult> ConsumeAsync(string name, int expected, CancellationToken ct) =>
        Consumer.RunAsync(Engine, IE2eHost.Namespace, name, expected, ct);

    public ValueTask DisposeAsync() => _store.DisposeAsync();
}
