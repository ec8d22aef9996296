"""The five channels' APIs as the simulator speaks them, each validating with its own rules,
codes and messages, keeping listings per seller, generating orders and recording inventory and
tracking updates. Modelled on the real services' shapes; not copies of them.

One module per channel; what they share (the reply, the store of listings and orders) is in
`common`. CHANNELS, the registry the server routes by, is here.
"""

from integrations.simulator.channels.amazon import Amazon
from integrations.simulator.channels.buykorea import BuyKorea
from integrations.simulator.channels.ebay import Ebay
from integrations.simulator.channels.kmall24 import Kmall24
from integrations.simulator.channels.tmall import Tmall

CHANNELS = {"kmall24": Kmall24, "buykorea": BuyKorea, "amazon": Amazon, "ebay": Ebay, "tmall": Tmall}
