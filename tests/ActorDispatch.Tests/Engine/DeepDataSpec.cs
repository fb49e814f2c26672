using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Tests.Support;
using Akka.Actor;

namespace ActorDispatch.Tests.Engine;

/// <summary>
/// An acknowledged event is readable for ever, however deep its data nests within the limit: appended
/// alone and in a batch, read back, delivered, and read again by a new actor system on the same store.
/// </summary>
public abstract class DeepDataSpec(ITestOutputHelper output, StoreKind store) : EngineSpec(output, store)
{
    private const int Limit = 32; // actordispatch.log.max-data-depth

    // Arrays and objects in turn, `depth` levels deep: [{"a":[{"a":…1…}]}]
    private static JsonElement Nested(int depth)
    {
        var json = "1";
        for (var level = depth; level >= 1; level--) json = level % 2 == 0 ? $"{{\"a\":{json}}}" : $"[{json}]";
        return JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = depth + 1 }).RootElement.Clone();
    }

    private static NewEvent Deep(int depth) => new() { Type = $"depth{depth}", Data = Nested(depth) };

    [SkippableFact]
    public async Task Data_at_every_depth_up_to_the_limit_is_stored_delivered_and_read_back_after_a_restart()
    {
        for (var depth = 1; depth <= Limit; depth++) await Engine.AppendAsync(Ns, Deep(depth));
        await Engine.AppendAsync(Ns, Enumerable.Range(1, Limit).Select(Deep).ToArray());
        await CreateSubscriptionAsync("app1", options: new SubscriptionOptions { WithData = true });
        var conn = Connect("app1");
        for (var sequence = 1; sequence <= 2 * Limit; sequence++)
        {
            var delivered = ExpectDelivery(sequence); // each delivered, with its data
            Assert.Equal(Nested(int.Parse(delivered.Event.Type[5..])).GetRawText(), delivered.Data!.Value.GetRawText());
            Transport.Ack(conn, delivered.Event.Id);
        }
        AssertReadable(await Engine.ReadEventsAsync(Ns, 1, 1000));
        await Sys.Terminate();

        var system = ActorSystem.Create("restarted", Compose(Store.Config, null));
        try
        {
            var engine = new ActorDispatchEngine(system, []);
            AssertReadable(await engine.ReadEventsAsync(Ns, 1, 1000));
        }
        finally
        {
            await system.Terminate();
        }
    }

    [SkippableFact]
    public async Task An_event_stored_deeper_than_the_limit_by_an_older_version_stays_readable_and_deliverable()
    {
        // Older versions accepted 62 levels, and then could read neither the event nor any page with it.
        var logs = await Sys.ActorSelection("/user/actordispatch-logs").ResolveOne(TimeSpan.FromSeconds(5));
        await logs.AskEngine<Log.EventLog.Appended>(new Log.EventLog.Append(Ns, [Deep(62), Deep(3)]), TimeSpan.FromSeconds(10));
        await CreateSubscriptionAsync("app1", options: new SubscriptionOptions { WithData = true });
        var conn = Connect("app1");

        Transport.Ack(conn, ExpectDelivery(1).Event.Id);
        Transport.Ack(conn, ExpectDelivery(2).Event.Id);
        var read = await Engine.ReadEventsAsync(Ns, 1, 10);
        Assert.Equal(Nested(62).GetRawText(), read[0].Data!.Value.GetRawText());
        Assert.Equal(2, read.Count);
    }

    private static void AssertReadable(IReadOnlyList<Event> events)
    {
        Assert.Equal(2 * Limit, events.Count);
        foreach (var e in events)
        {
            var depth = int.Parse(e.Type[5..]);
            Assert.Equal(Nested(depth).GetRawText(), e.Data!.Value.GetRawText());
        }
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Data_deeper_than_the_limit_is_refused_naming_the_field_and_nothing_is_appended(bool batched)
    {
        var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => batched
            ? Engine.AppendAsync(Ns, [Deep(3), Deep(Limit + 1)])
            : Engine.AppendAsync(Ns, Deep(Limit + 1)));
        Assert.Equal(ErrorKind.BadRequest, ex.Kind);
        Assert.Contains(batched ? "'[1].data'" : "'data'", ex.Message);
        Assert.Contains($"{Limit}", ex.Message);
        Assert.Equal(0, await Engine.GetHeadAsync(Ns));
        Assert.Equal(1, (await Engine.AppendAsync(Ns, Deep(Limit))).Sequence);
    }
}

public sealed class DeepDataSpecOnSqlite(ITestOutputHelper output) : DeepDataSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class DeepDataSpecOnPostgres(ITestOutputHelper output) : DeepDataSpec(output, StoreKind.Postgres);
