using ActorDispatch.Model;
using ActorDispatch.Tests.Support;
using Akka.Configuration;

namespace ActorDispatch.Tests.Engine;

public abstract class NamespaceLimitSpec(ITestOutputHelper output, StoreKind store)
    : EngineSpec(output, store, ConfigurationFactory.ParseString("actordispatch.subscriptions { max = 10, max-per-namespace = 2 }"))
{
    private Task<Subscription> CreateInAsync(string ns, string name) => Engine.CreateSubscriptionAsync(new SubscriptionInput
    {
        Namespace = ns, Name = name, Transport = "probe", Options = new SubscriptionOptions { FirstEvent = "oldest" },
    });

    [SkippableFact]
    public async Task One_namespace_cannot_take_more_than_its_share_and_the_others_keep_theirs()
    {
        await CreateInAsync("tenant-a", "s1");
        await CreateInAsync("tenant-a", "s2");
        var full = await Assert.ThrowsAsync<ActorDispatchException>(() => CreateInAsync("tenant-a", "s3"));
        Assert.Equal(ErrorKind.Conflict, full.Kind);
        Assert.StartsWith("AD10117:", full.Message);
        Assert.Contains("'tenant-a'", full.Message);

        await CreateInAsync("tenant-b", "s1");
        await CreateInAsync("tenant-b", "s2");
        Assert.True(await Engine.DeleteSubscriptionAsync("tenant-a", "s1"));
        await CreateInAsync("tenant-a", "s3"); // room again
        Assert.Equal(2, (await Engine.ListSubscriptionsAsync("tenant-a")).Count);
    }
}

public sealed class NamespaceLimitSpecOnSqlite(ITestOutputHelper output) : NamespaceLimitSpec(output, StoreKind.Sqlite);

[Trait("Category", "Postgres")]
public sealed class NamespaceLimitSpecOnPostgres(ITestOutputHelper output) : NamespaceLimitSpec(output, StoreKind.Postgres);
