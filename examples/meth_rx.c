// SPDX-License-Identifier: GPL-2.0
/*
 * Receive ring setup of an SGI O2 "meth"-style Ethernet driver, from the
 * seed excerpt: the buffers are mapped for a NULL device and the mapping is
 * handed to the hardware without dma_mapping_error().
 */
#include <linux/dma-mapping.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#define RX_RING_ENTRIES		16
#define METH_RX_BUFF_SIZE	4096
#define METH_RX_HEAD		34

struct meth_private {
	struct net_device *dev;
	struct sk_buff *rx_skbs[RX_RING_ENTRIES];
	rx_packet *rx_ring[RX_RING_ENTRIES];
	dma_addr_t rx_ring_dmas[RX_RING_ENTRIES];
	unsigned int rx_write;
};

static int meth_init_rx_ring(struct meth_private *priv)
{
	int i;

	for (i = 0; i < RX_RING_ENTRIES; i++) {
		priv->rx_skbs[i] = alloc_skb(METH_RX_BUFF_SIZE, 0);
		/* 8byte status vector + 3quad padding + 2byte padding,
		 * to put data on 64bit aligned boundary */
		skb_reserve(priv->rx_skbs[i], METH_RX_HEAD);
		priv->rx_ring[i] = (rx_packet *)(priv->rx_skbs[i]->head);
		/* I'll need to re-sync it after each RX */
		priv->rx_ring_dmas[i] = dma_map_single(NULL, priv->rx_ring[i],
						       METH_RX_BUFF_SIZE, DMA_FROM_DEVICE);
		mace->eth.rx_fifo = priv->rx_ring_dmas[i];
	}
	priv->rx_write = 0;
	return 0;
}
