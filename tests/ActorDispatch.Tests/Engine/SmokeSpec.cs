using ActorDispatch.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace ActorDispatch.Tests.Engine;

public abstract class SmokeSpec(ITestOutputHelper output, StoreKind store)
    : EngineSpec(output, store)
{
    [SkippableFact]
    public async Task Appended_events_are_delivered_in_order_and_acks_commit_the_offset()
    {
        await AppendManyAsync(3);
        await CreateSubscriptionAsync("app1");
        var conn = Connect("app1");
        for (var seq = 1; seq <= 3; seq++)
        {
            var d = ExpectDelivery(seq);
            Transport.Ack(conn, d.Event.Id);
        }
        await AwaitOffsetAsync("app1", 3);
    }
}

public sealed class SmokeSpecOnSqlite(ITestOutputHelper output) : SmokeSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class SmokeSpecOnPostgres(ITestOutputHelper output) : SmokeSpec(output, StoreKind.Postgres);
