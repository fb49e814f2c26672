using ActorDispatch.Dispatch;

namespace ActorDispatch.Tests.Model;

public sealed class RedeliveryPolicyTests
{
    private static readonly TimeSpan Min = TimeSpan.FromMilliseconds(100), Max = TimeSpan.FromSeconds(10);

    [Fact]
    public void The_attempt_that_reaches_maxDeliveries_parks_and_an_ack_starts_the_count_again()
    {
        var policy = new RedeliveryPolicy(maxDeliveries: 3, backoff: null, Min, Max);
        Assert.False(policy.Failed(7, 0, null).Park);
        Assert.False(policy.Failed(7, 1, null).Park);
        Assert.Equal(new RedeliveryPolicy.Decision(true, 3, TimeSpan.Zero), policy.Failed(7, 2, null));
        Assert.Equal(0, policy.Attempts(7));

        Assert.False(policy.Counting);
        policy.Failed(8, 0, null);
        Assert.True(policy.Counting);
        policy.Succeeded(8);
        Assert.False(policy.Counting);
        Assert.Equal(1, policy.Failed(8, 0, null).Attempts);
    }

    [Fact]
    public void Without_maxDeliveries_nothing_is_parked()
    {
        var policy = new RedeliveryPolicy(maxDeliveries: 0, backoff: null, Min, Max);
        for (var i = 0; i < 100; i++) Assert.False(policy.Failed(1, i, null).Park);
    }

    [Fact]
    public void Backoff_steps_follow_the_attempts_of_the_event_and_the_last_repeats()
    {
        var policy = new RedeliveryPolicy(0, [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)], Min, Max);
        Assert.Equal(TimeSpan.FromSeconds(1), policy.Failed(1, 0, null).Delay);
        Assert.Equal(TimeSpan.FromSeconds(5), policy.Failed(1, 0, null).Delay);
        Assert.Equal(TimeSpan.FromSeconds(5), policy.Failed(1, 0, null).Delay);
        Assert.Equal(TimeSpan.FromSeconds(1), policy.Failed(2, 0, null).Delay); // another event counts on its own
    }

    [Fact]
    public void The_default_pause_is_none_then_doubles_to_the_maximum_and_a_requested_delay_is_a_floor()
    {
        var policy = new RedeliveryPolicy(0, null, Min, Max);
        Assert.Equal(TimeSpan.Zero, policy.Failed(1, 0, null).Delay);
        Assert.Equal(Min, policy.Failed(1, 1, null).Delay);
        Assert.Equal(Min * 4, policy.Failed(1, 3, null).Delay);
        Assert.Equal(Max, policy.Failed(1, 40, null).Delay);
        Assert.Equal(TimeSpan.FromSeconds(3), policy.Failed(1, 0, TimeSpan.FromSeconds(3)).Delay);
        Assert.Equal(Max, policy.Failed(1, 40, TimeSpan.FromSeconds(3)).Delay);
    }
}
