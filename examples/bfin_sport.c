// SPDX-License-Identifier: GPL-2.0
/*
 * Descriptor setup of a Blackfin SPORT-style audio port, from the seed
 * excerpt: the descriptor ring is allocated for no device, with gfp flags 0,
 * and used without a NULL check.
 */
#include <linux/dma-mapping.h>
#include <linux/slab.h>

struct dmasg {
	void *next_desc_addr;
	unsigned long start_addr;
	unsigned short cfg;
	unsigned short x_count;
	short x_modify;
};

struct sport_device {
	struct device *dev;
	struct dmasg *tx_desc;
	unsigned int tx_desc_size;
	dma_addr_t tx_desc_dma;
	spinlock_t lock;
};

static int sport_config_tx_dma(struct sport_device *sport, void *buf,
			       int fragcount, size_t fragsize)
{
	dma_addr_t addr;
	int i;

	if (sport->tx_desc)
		dma_free_coherent(NULL, sport->tx_desc_size, sport->tx_desc, 0);

	sport->tx_desc = dma_alloc_coherent(NULL, fragcount * sizeof(struct dmasg), &addr, 0);
	sport->tx_desc_size = fragcount * sizeof(struct dmasg);
	sport->tx_desc_dma = addr;

	for (i = 0; i < fragcount; i++) {
		sport->tx_desc[i].next_desc_addr = &sport->tx_desc[(i + 1) % fragcount];
		sport->tx_desc[i].start_addr = (unsigned long)buf + i * fragsize;
		sport->tx_desc[i].x_count = fragsize / 2;
		sport->tx_desc[i].x_modify = 2;
	}
	return 0;
}
