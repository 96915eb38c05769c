namespace Messaging.Client;

/// <summary>
/// How <see cref="MessagingClient"/> reconnects after its connection drops: exponential back-off with jitter, capped at
/// <see cref="MaxDelay"/>. The first retry waits about <see cref="InitialDelay"/>, each further one
/// <see cref="Multiplier"/> times longer. Reconnecting stops only when the client is disposed or after
/// <see cref="MaxAttempts"/> failed attempts in a row.
/// </summary>
public sealed class ReconnectOptions
{
    /// <summary>Whether the client reconnects at all after a drop. Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The delay before the first reconnect attempt (before jitter). Default 250 ms.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The longest delay between two attempts. Default 30 s.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The growth factor between two attempts; at least 1. Default 2.</summary>
    public double Multiplier { get; set; } = 2.0;

    /// <summary>
    /// The fraction (0 to 1) by which each delay is shortened at random, so that many clients dropped at once do not
    /// reconnect in lock-step. Default 0.3: a delay of 10 s becomes a random delay between 7 s and 10 s.
    /// </summary>
    public double JitterRatio { get; set; } = 0.3;

    /// <summary>
    /// How many failed attempts in a row end reconnecting (the client then becomes
    /// <see cref="ConnectionState.Disconnected"/>); <see langword="null"/> (the default) retries until disposed.
    /// </summary>
    public int? MaxAttempts { get; set; }

    internal void Validate()
    {
        if (InitialDelay < TimeSpan.Zero)
        {
            throw new ArgumentException("Reconnect.InitialDelay must not be negative.");
        }

        if (MaxDelay < InitialDelay)
        {
            throw new ArgumentException("Reconnect.MaxDelay must be at least Reconnect.InitialDelay.");
        }

        if (!(Multiplier >= 1.0) || double.IsInfinity(Multiplier))
        {
            throw new ArgumentException("Reconnect.Multiplier must be a finite number of at least 1.");
        }

        if (!(JitterRatio >= 0.0 && JitterRatio <= 1.0))
        {
            throw new ArgumentException("Reconnect.JitterRatio must be between 0 and 1.");
        }

        if (MaxAttempts is < 1)
        {
            throw new ArgumentException("Reconnect.MaxAttempts must be at least 1 when set.");
        }
    }
}
