package io.sanref.journal;

import java.io.IOException;

/**
 * A journal directory cannot be read at all: it is missing, is not a Chronicle queue, or Chronicle cannot open
 * it. {@link #getMessage()} is one line naming the directory and the reason; a command line maps this to exit 2.
 * A journal that reads but is torn at the end or holds malformed records is not unreadable: the reader reports
 * those and the auditor turns them into {@code truncated} and A8.
 */
public final class JournalUnreadableException extends IOException
{
    private static final long serialVersionUID = 1L;

    public JournalUnreadableException(final String message)
    {
        super(message);
    }

    public JournalUnreadableException(final String message, final Throwable cause)
    {
        super(message, cause);
    }
}
