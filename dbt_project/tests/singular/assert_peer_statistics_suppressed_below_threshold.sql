-- No peer statistic over fewer than vars.peer_min_participants (5)
-- participants is published: such rows are suppressed with every statistic
-- NULL, and rows at or above the threshold are not suppressed.
{%- set min_participants = var('peer_min_participants', 5) | int %}

with

peer_benchmarks as (
    select * from {{ ref('peer_benchmarks') }}
)

select *
from peer_benchmarks
where
    (
        n_participants < {{ min_participants }}
        and (
            not suppressed
            or p25 is not null
            or median is not null
            or p75 is not null
            or mean is not null
        )
    )
    or (n_participants >= {{ min_participants }} and suppressed)
    or n_participants < 1
