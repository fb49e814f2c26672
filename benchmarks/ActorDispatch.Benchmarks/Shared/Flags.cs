using System.Globalization;

namespace ActorDispatch.Benchmarks.Shared;

/// <summary>
/// Walks <c>--flag value</c> pairs; errors are <see cref="ArgumentException"/>s naming the flag.
/// Shared with PeerBench by link, so it needs nothing but the BCL (HOCON values: <c>HoconFlag</c>).
/// </summary>
internal sealed class Flags(string[] args)
{
    private int _index = -1;

    public string Current => args[_index];

    public bool MoveNext() => ++_index < args.Length;

    public string Value() => _index + 1 < args.Length ? args[++_index] : throw new ArgumentException($"missing value for {Current}");

    public int Int(int min = int.MinValue, int max = int.MaxValue)
    {
        var flag = Current;
        var text = Value();
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new ArgumentException(max == int.MaxValue
                ? $"{flag} must be an integer >= {min}, not '{text}'"
                : $"{flag} must be an integer in {min}..{max}, not '{text}'");
        return value;
    }

    public ArgumentException Unknown() => new($"unknown option {Current}");
}
