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
    private readonly int _readAhead;

    private EngineHost(StoreActorSystem store, int readAhead)
    {
        _store = store;
        _readAhead = readAhead;
        Engine = new ActorDispatchEngine(store.System, Array.Empty<IEventTransport>());
    }

    public IActorDispatch Engine { get; }

    public static EngineHost Start(string name, E2eOptions o) => new(StoreActorSystem.Create(name, o.Config, o.Postgres), o.Variant.ReadAhead);

    public Task CreateSubscriptionAsync(string name, string firstEvent, int expected, CancellationToken ct) =>
        Engine.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = IE2eHost.Namespace,
            Name = name,
            Transport = "system",
            Options = new SubscriptionOptions { FirstEvent = firstEvent, ReadAhead = _readAhead },
        }, ct);

    public Task<ConsumeResult> ConsumeAsync(string name, int expected, CancellationToken ct) =>
        Consumer.RunAsync(Engine, IE2eHost.Namespace, name, expected, ct);

    public ValueTask DisposeAsync() => _store.DisposeAsync();
}
