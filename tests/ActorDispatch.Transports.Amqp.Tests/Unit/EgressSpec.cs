using ActorDispatch.Model;

namespace ActorDispatch.Transports.Amqp.Tests.Unit;

/// <summary>
/// The egress policy on the broker's address at start: a broker the policy refuses stops the
/// transport with an error naming the setting, and nothing is connected or registered.
/// </summary>
public sealed class EgressSpec
{
    private sealed class Callbacks : ITransportCallbacks
    {
        public int Registered;

        public void RegisterConnection(string connectionId, SubscriptionMatcher matcher) => Registered++;

        public Task<Subscription> EphemeralSubscriptionAsync(string connectionId, string @namespace, SubscriptionFilter filter, SubscriptionOptions options,
            string? changeEvents = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public void ConnectionClosed(string connectionId)
        {
        }

        public void DeliveryResponse(string connectionId, EventDeliveryResponse response)
        {
        }

        public Task<Subscription?> GetSubscriptionAsync(string @namespace, string idOrName, CancellationToken cancellationToken = default) =>
            Task.FromResult<Subscription?>(null);
    }

    [Theory]
    [InlineData("amqp://guest:guest@127.0.0.1:5672/", "", "loopback or private")]
    [InlineData("amqp://guest:guest@localhost:5672/", "", "loopback or private")]
    [InlineData("amqp://169.254.169.254/", "169.254.0.0/16", "never allowed")]
    [InlineData("amqp://[::ffff:10.1.2.3]/", "", "loopback or private")]
    public async Task A_refused_broker_address_fails_the_start_naming_the_setting(string uri, string allow, string why)
    {
        await using var transport = new AmqpTransport(new AmqpTransportOptions { Uri = uri, EgressAllow = allow });
        var callbacks = new Callbacks();
        var ex = await Assert.ThrowsAsync<ActorDispatchException>(() => transport.InitAsync(AmqpSettings.DefaultConfig("amqp"), callbacks));
        Assert.Contains("'actordispatch.transports.amqp.uri'", ex.Message);
        Assert.Contains("egress", ex.Message);
        Assert.Contains(why, ex.Message);
        Assert.Equal(0, callbacks.Registered);
        Assert.Equal(ex.Message, Assert.Throws<ActorDispatchException>(() => transport.ValidateOptions(new SubscriptionOptions())).Message);
    }

    [Fact]
    public async Task Without_a_broker_amqp_subscriptions_are_refused_saying_what_to_configure()
    {
        await using var transport = new AmqpTransport();
        await transport.InitAsync(AmqpSettings.DefaultConfig("amqp"), new Callbacks());
        var ex = Assert.Throws<ActorDispatchException>(() => transport.ValidateOptions(new SubscriptionOptions()));
        Assert.Contains("ActorDispatch:Transports:Amqp:Uri", ex.Message);
    }
}
